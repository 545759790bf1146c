#!/usr/bin/env bash
# A private Docker engine for the compose smoke test (infra/tests/compose-smoke.test.ts). Sourced by .ci/run,
# or by hand: `source .ci/dockerd.sh` (then `dockerd_stop` when done). Uses an engine that already answers on
# DOCKER_HOST or the default socket; otherwise starts Debian's dockerd with its own data root (kept between
# runs as a layer cache, outside the repository), socket, exec root and log file, and exports DOCKER_HOST.
# Never fatal: without an engine the smoke test says so and skips (unless COMPOSE_SMOKE_REQUIRED=1).
BSKY_DOCKERD_DIR="${BSKY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bsky-explorer}/dockerd"
BSKY_DOCKERD_RUN=/run/bsky-dockerd

dockerd_stop() {
  if [ -f "$BSKY_DOCKERD_RUN/dockerd.pid" ]; then
    local pid
    pid="$(cat "$BSKY_DOCKERD_RUN/dockerd.pid")"
    kill "$pid" 2>/dev/null || true
    # dockerd stops its containers and containerd before it exits.
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
}

if docker info >/dev/null 2>&1; then
  echo "dockerd: using the engine at ${DOCKER_HOST:-the default socket}"
  export COMPOSE_SMOKE_REQUIRED=1
elif command -v dockerd >/dev/null; then
  mkdir -p "$BSKY_DOCKERD_DIR/data" "$BSKY_DOCKERD_RUN"
  export DOCKER_HOST="unix://$BSKY_DOCKERD_RUN/docker.sock"
  if ! docker info >/dev/null 2>&1; then
    dockerd --data-root "$BSKY_DOCKERD_DIR/data" --exec-root "$BSKY_DOCKERD_RUN/exec" \
      --pidfile "$BSKY_DOCKERD_RUN/dockerd.pid" --host "$DOCKER_HOST" --storage-driver overlay2 \
      >"$BSKY_DOCKERD_DIR/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    # Stop it when the sourcing script (CI) exits.
    trap dockerd_stop EXIT
  fi
  if docker info >/dev/null 2>&1; then
    echo "dockerd: private engine at $DOCKER_HOST (data root $BSKY_DOCKERD_DIR/data)"
    export COMPOSE_SMOKE_REQUIRED=1
  else
    echo "dockerd: could not start (see $BSKY_DOCKERD_DIR/dockerd.log); the compose smoke test will skip" >&2
    tail -5 "$BSKY_DOCKERD_DIR/dockerd.log" >&2 || true
    unset DOCKER_HOST
  fi
else
  echo "dockerd: no Docker engine here; the compose smoke test will skip" >&2
fi
