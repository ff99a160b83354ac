#!/usr/bin/env bash
# A Docker engine of the project's own, only for building images: Debian's dockerd with its own socket, data and
# exec roots under ${RECSYS_CACHE:-~/.cache/recsys}/docker, no bridge, no iptables rules, no ip_forward change (builds
# use the host's network), so it leaves the machine's networking as it found it.
# Usage: scripts/images/dockerd.sh start|stop|env
#   start  starts it when not running (installs Debian's docker.io when dockerd is missing) and waits for it
#   stop   stops it by its PID and waits until its containerd has gone too
#   env    prints `export DOCKER_HOST=…` for eval
set -euo pipefail
CACHE="${RECSYS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/recsys}"
DIR="$CACHE/docker"
SOCKET="$DIR/docker.sock"
PIDFILE="$DIR/dockerd.pid"
export DOCKER_HOST="unix://$SOCKET"

log() { echo "dockerd: $*" >&2; }
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

start() {
  if running; then return 0; fi
  [ "$(id -u)" -eq 0 ] || { log "building images here needs root (dockerd); run as root, or use a machine with Docker (CLUSTER=kind)"; exit 1; }
  command -v dockerd >/dev/null || "$(dirname "$0")/../system-deps.sh" docker.io
  mkdir -p "$DIR/data" "$DIR/exec"
  rm -f "$SOCKET" "$PIDFILE"
  # Niced: the image builds run as its children and share the machine with everything else.
  setsid nice -n 10 dockerd --host "$DOCKER_HOST" --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$PIDFILE" \
    --bridge none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --storage-driver overlay2 >"$DIR/dockerd.log" 2>&1 </dev/null &
  local i
  for i in $(seq 1 60); do
    if docker version >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  log "dockerd did not answer on $SOCKET within 60 s; its log ($DIR/dockerd.log) ends with:"
  tail -n 20 "$DIR/dockerd.log" >&2
  exit 1
}

stop() {
  running || { rm -f "$PIDFILE"; return 0; }
  local pid i
  pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "dockerd $pid did not stop within 30 s; killing it"; kill -KILL "$pid"; fi
  # Its managed containerd exits with it; wait for that PID as well, so nothing outlives this call.
  local containerd_pid
  containerd_pid="$(cat "$DIR/exec/containerd/containerd.pid" 2>/dev/null || true)"
  if [ -n "$containerd_pid" ]; then
    for i in $(seq 1 20); do kill -0 "$containerd_pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$containerd_pid" 2>/dev/null && kill -KILL "$containerd_pid"
  fi
  rm -f "$PIDFILE"
  # containerd 1.6 puts its shims' sockets in this fixed place; the directories go when nothing else uses them.
  rmdir /run/containerd/s /run/containerd 2>/dev/null || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export DOCKER_HOST=$DOCKER_HOST" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
