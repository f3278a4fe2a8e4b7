#!/usr/bin/env bash
# The main job on embedded defaults: local mode, no cloud, no database server, no Docker.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tooling/scripts/ensure-node.sh
pnpm install --frozen-lockfile >/dev/null
pnpm exec turbo run build --filter=@stowage/example-local... >/dev/null
exec pnpm --silent --filter @stowage/example-local run start "$@"
