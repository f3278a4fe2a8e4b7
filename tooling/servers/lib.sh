# shellcheck shell=bash
# Helpers shared by start.sh and stop.sh. Not meant to be used on its own.

SERVERS_ALL=(seaweedfs moto)

say() { echo "${0##*/}: $*"; }
die() { echo "${0##*/}: error: $*" >&2; exit 1; }

# parse_targets [seaweedfs|moto|all]... -> sets TARGETS
parse_targets() {
  TARGETS=()
  [[ $# -gt 0 ]] || set -- all
  local arg
  for arg in "$@"; do
    case "$arg" in
      all) TARGETS=("${SERVERS_ALL[@]}") ;;
      seaweedfs | seaweed | weed) TARGETS+=(seaweedfs) ;;
      moto) TARGETS+=(moto) ;;
      -h | --help)
        echo "usage: ${0##*/} [seaweedfs|moto|all]..."
        exit 0
        ;;
      *) die "unknown server '$arg' (expected seaweedfs, moto or all)" ;;
    esac
  done
}

server_dir() { echo "$STOWAGE_SERVERS_DIR/$1"; }
pid_file() { echo "$STOWAGE_SERVERS_DIR/$1/pid"; }
log_file() { echo "$STOWAGE_SERVERS_DIR/$1/server.log"; }

# What a live process of ours must have in its command line.
server_signature() {
  case "$1" in
    seaweedfs) echo "weed" ;;
    moto) echo "moto_server" ;;
  esac
}

# lock_server NAME: take an exclusive lock for NAME on fd 8 (held until the script exits).
lock_server() {
  mkdir -p "$(server_dir "$1")"
  command -v flock >/dev/null 2>&1 || return 0
  exec 8>"$(server_dir "$1")/lock"
  flock -w 120 8 || die "$1: timed out waiting for another start/stop of it (lock $(server_dir "$1")/lock)"
}

# running_pid NAME: prints the pid recorded for NAME if that process is alive and is
# really our server; removes a stale pid file. Returns 1 when not running.
running_pid() {
  local pf pid cmd
  pf="$(pid_file "$1")"
  [[ -f "$pf" ]] || return 1
  pid="$(tr -dc '0-9' <"$pf")"
  if [[ -n "$pid" ]] && alive "$pid"; then
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    if [[ "$cmd" == *"$(server_signature "$1")"* ]]; then
      echo "$pid"
      return 0
    fi
  fi
  rm -f "$pf"
  return 1
}

# alive PID: the process exists and is not a zombie (a server that died while start.sh,
# its parent, is still waiting on it stays a zombie until start.sh exits).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ "$state" != "Z" ]]
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# port_holder PORT: a human description of who listens on PORT (best effort).
port_holder() {
  local line=""
  if command -v ss >/dev/null 2>&1; then
    line="$(ss -ltnpH "sport = :$1" 2>/dev/null | head -n 1 | sed -E 's/ +/ /g')"
  fi
  echo "${line:-unknown process}"
}

# require_free_ports NAME VAR...: dies with a clear message if any port is taken.
require_free_ports() {
  local name="$1" var port bad=0
  shift
  for var in "$@"; do
    port="${!var}"
    if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
      die "$name: $var='$port' is not a valid port"
    fi
    if port_open "$port"; then
      echo "${0##*/}: error: $name: port $port ($var) on 127.0.0.1 is already in use by: $(port_holder "$port")" >&2
      bad=1
    fi
  done
  if ((bad)); then
    die "$name: cannot start; stop whatever holds the port(s) above (if it is a server from this repo: tooling/servers/stop.sh $name) or choose other ports by exporting the variable(s) named above"
  fi
}

# require_sigv4_curl: curl must be able to sign requests (--aws-sigv4, curl >= 7.75).
require_sigv4_curl() {
  command -v curl >/dev/null 2>&1 || die "curl not found (apt-get install curl)"
  curl --help all 2>/dev/null | grep -q -- '--aws-sigv4' || die "this curl cannot sign AWS requests (--aws-sigv4 needs curl >= 7.75): $(curl --version | head -n 1)"
}

# s3_status URL ACCESS_KEY SECRET REGION: HTTP status of a SigV4-signed GET (000 if no answer).
s3_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
    --aws-sigv4 "aws:amz:$4:s3" --user "$2:$3" "$1" 2>/dev/null || true
}

# launch NAME CMD...: start CMD detached (own session, stdin closed), log to server.log,
# record its pid.
launch() {
  local name="$1" log pf
  shift
  log="$(log_file "$name")"
  pf="$(pid_file "$name")"
  : >"$log"
  # A non-interactive shell runs background jobs in its own process group, so setsid
  # does not need to fork: $! is the server's pid.
  # Close the lock fds (8: per-server lock, 9: install lock) so the server does not hold them.
  nohup setsid "$@" >>"$log" 2>&1 </dev/null 8>&- 9>&- &
  echo "$!" >"$pf"
}

# wait_healthy NAME PID TIMEOUT CHECK_FN: polls CHECK_FN until it succeeds; fails if the
# process dies or TIMEOUT seconds pass, showing the end of the server log.
wait_healthy() {
  local name="$1" pid="$2" timeout="$3" check="$4" deadline=$((SECONDS + $3))
  while :; do
    if ! alive "$pid"; then
      show_log_tail "$name"
      rm -f "$(pid_file "$name")"
      die "$name: the server process (pid $pid) exited during startup; log: $(log_file "$name")"
    fi
    if "$check" 2>/dev/null; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      show_log_tail "$name"
      echo "${0##*/}: error: $name: last health check said: $("$check" verbose 2>&1 | tail -n 1)" >&2
      die "$name: not healthy after ${timeout}s (pid $pid still running; stop it with tooling/servers/stop.sh $name); log: $(log_file "$name")"
    fi
    sleep 0.25
  done
}

show_log_tail() {
  local log
  log="$(log_file "$1")"
  echo "----- last 40 lines of $log -----" >&2
  tail -n 40 "$log" >&2 2>/dev/null || echo "(no log)" >&2
  echo "----- end of $log -----" >&2
}

# stop_server NAME: SIGTERM the recorded process group, wait, SIGKILL after a grace period.
stop_server() {
  local name="$1" pid pgid grace="${STOWAGE_SERVERS_STOP_TIMEOUT:-20}" deadline
  if ! pid="$(running_pid "$name")"; then
    say "$name: not running"
    return 0
  fi
  pgid="$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')"
  if [[ "$pgid" == "$pid" ]]; then
    kill -TERM -- "-$pid" 2>/dev/null || true # our setsid'd server leads its own group
  else
    kill -TERM "$pid" 2>/dev/null || true
  fi
  deadline=$((SECONDS + grace))
  while alive "$pid"; do
    if ((SECONDS >= deadline)); then
      say "$name: pid $pid still running after ${grace}s; sending SIGKILL"
      if [[ "$pgid" == "$pid" ]]; then kill -KILL -- "-$pid" 2>/dev/null || true; else kill -KILL "$pid" 2>/dev/null || true; fi
      sleep 0.5
      break
    fi
    sleep 0.2
  done
  alive "$pid" && die "$name: could not stop pid $pid"
  rm -f "$(pid_file "$name")"
  say "$name: stopped (pid $pid)"
}
