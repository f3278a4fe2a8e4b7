#!/usr/bin/env bash
# Everything CI does, from a fresh machine: Node 24 + pnpm, locked dependencies, the real test
# servers (SeaweedFS, moto), build, lint, typecheck, every test suite, and a final
# `N passed, N failed, N skipped` line totalled over all suites.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tooling/scripts/ensure-node.sh || exit 1

step() { printf '\n==> %s\n' "$*"; }
status=0

step "install dependencies"
pnpm install --frozen-lockfile || exit 1

step "install and start test servers"
bash tooling/servers/install.sh || exit 1
trap 'bash tooling/servers/stop.sh >/dev/null 2>&1 || true' EXIT
bash tooling/servers/start.sh all || exit 1
. tooling/servers/env.sh

step "build"
pnpm build || exit 1

step "lint"
pnpm lint || status=1

step "typecheck"
pnpm typecheck || status=1

step "test"
rm -rf .test-results
pnpm exec turbo run test --concurrency=1 --continue || status=1

node tooling/scripts/summarize-tests.mjs || status=1
exit $status
