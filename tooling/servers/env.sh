# shellcheck shell=bash
# Connection settings for the loopback S3 test servers. Source it:
#   . tooling/servers/env.sh
# Every value can be overridden by exporting it first; endpoints are derived from
# the ports so that start.sh and the tests always agree.
_stowage_servers_here="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)"
_stowage_servers_repo="$(cd "$_stowage_servers_here/../.." && pwd)"

export STOWAGE_VENV="${STOWAGE_VENV:-$_stowage_servers_repo/.venv}"
export STOWAGE_SERVERS_DIR="${STOWAGE_SERVERS_DIR:-$_stowage_servers_repo/.test-servers}"
export STOWAGE_S3_REGION="${STOWAGE_S3_REGION:-us-east-1}"

# --- SeaweedFS (`weed mini`: master + volume + filer + S3 + admin in one process) ---
export STOWAGE_SEAWEED_S3_PORT="${STOWAGE_SEAWEED_S3_PORT:-8333}"
export STOWAGE_SEAWEED_FILER_PORT="${STOWAGE_SEAWEED_FILER_PORT:-8988}"
export STOWAGE_SEAWEED_MASTER_PORT="${STOWAGE_SEAWEED_MASTER_PORT:-9633}"
export STOWAGE_SEAWEED_VOLUME_PORT="${STOWAGE_SEAWEED_VOLUME_PORT:-9640}"
export STOWAGE_SEAWEED_ADMIN_PORT="${STOWAGE_SEAWEED_ADMIN_PORT:-9646}"
# gRPC ports follow SeaweedFS's own convention (HTTP port + 10000).
export STOWAGE_SEAWEED_S3_GRPC_PORT="${STOWAGE_SEAWEED_S3_GRPC_PORT:-$((STOWAGE_SEAWEED_S3_PORT + 10000))}"
export STOWAGE_SEAWEED_FILER_GRPC_PORT="${STOWAGE_SEAWEED_FILER_GRPC_PORT:-$((STOWAGE_SEAWEED_FILER_PORT + 10000))}"
export STOWAGE_SEAWEED_MASTER_GRPC_PORT="${STOWAGE_SEAWEED_MASTER_GRPC_PORT:-$((STOWAGE_SEAWEED_MASTER_PORT + 10000))}"
export STOWAGE_SEAWEED_VOLUME_GRPC_PORT="${STOWAGE_SEAWEED_VOLUME_GRPC_PORT:-$((STOWAGE_SEAWEED_VOLUME_PORT + 10000))}"
export STOWAGE_SEAWEED_ADMIN_GRPC_PORT="${STOWAGE_SEAWEED_ADMIN_GRPC_PORT:-$((STOWAGE_SEAWEED_ADMIN_PORT + 10000))}"

export STOWAGE_SEAWEED_S3_ENDPOINT="http://127.0.0.1:${STOWAGE_SEAWEED_S3_PORT}"
export STOWAGE_SEAWEED_FILER_ENDPOINT="http://127.0.0.1:${STOWAGE_SEAWEED_FILER_PORT}"
export STOWAGE_SEAWEED_ACCESS_KEY="${STOWAGE_SEAWEED_ACCESS_KEY:-stowage}"
export STOWAGE_SEAWEED_SECRET_KEY="${STOWAGE_SEAWEED_SECRET_KEY:-stowage-secret}"
export STOWAGE_SEAWEED_REGION="${STOWAGE_SEAWEED_REGION:-$STOWAGE_S3_REGION}"
# Virtual-hosted addressing: send to STOWAGE_SEAWEED_S3_ENDPOINT with
# `Host: <bucket>.${STOWAGE_SEAWEED_DOMAIN}:${STOWAGE_SEAWEED_S3_PORT}` (the name does not resolve).
export STOWAGE_SEAWEED_DOMAIN="${STOWAGE_SEAWEED_DOMAIN:-s3.stowage.test}"

# --- moto's S3 server (accepts any credentials) ---
export STOWAGE_MOTO_PORT="${STOWAGE_MOTO_PORT:-5055}"
export STOWAGE_MOTO_ENDPOINT="http://127.0.0.1:${STOWAGE_MOTO_PORT}"
export STOWAGE_MOTO_ACCESS_KEY="${STOWAGE_MOTO_ACCESS_KEY:-testing}"
export STOWAGE_MOTO_SECRET_KEY="${STOWAGE_MOTO_SECRET_KEY:-testing}"
export STOWAGE_MOTO_REGION="${STOWAGE_MOTO_REGION:-$STOWAGE_S3_REGION}"

unset _stowage_servers_here _stowage_servers_repo
