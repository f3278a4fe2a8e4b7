#!/usr/bin/env bash
# The main job on embedded defaults: the storage service in local mode — objects, PGlite and keys
# under ./.stowage, no cloud account, no database server, no Docker. Prints a curl example.
# Settings come from the environment (see the README's settings table), e.g. STOWAGE_PORT=9000.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tooling/scripts/ensure-node.sh
pnpm install --frozen-lockfile >/dev/null
pnpm exec turbo run build --filter=@stowage/api... >/dev/null
exec node apps/api/dist/main.js "$@"
