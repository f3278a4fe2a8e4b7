#!/usr/bin/env bash
# Stops the test servers started by start.sh (by their pid files) and waits for them to
# exit.   usage: tooling/servers/stop.sh [seaweedfs|moto|all]...   (default: all)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

parse_targets "$@"
for target in "${TARGETS[@]}"; do
  (
    lock_server "$target"
    stop_server "$target"
  )
done
