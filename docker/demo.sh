#!/usr/bin/env bash
# The multi-node demo in one command: builds the image if needed (docker/build-image.sh), starts a
# head and two worker nodes in containers (docker/docker-compose.yml), runs the driver, which
# estimates pi with SPREAD scheduling and prints how many nodes ran tasks, and then removes every
# container, network and volume it made, also when it fails or is interrupted.
# Exit code: the driver's (0 on success). Usage: docker/demo.sh [tasks [samplesPerTask]]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FILE="$ROOT/docker/docker-compose.yml"
# one project name, so that down finds exactly what up made
PROJECT=${JRAY_DEMO_PROJECT:-jray-demo}
export PI_TASKS=${1:-60} PI_SAMPLES=${2:-200000}
# the cluster's token: a fresh one unless the caller brings theirs
export JRAY_AUTH_TOKEN=${JRAY_AUTH_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
if docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  COMPOSE=(docker-compose)
else
  echo "demo: needs docker compose (v2) or docker-compose; e.g. apt-get install docker-compose" >&2
  exit 1
fi
COMPOSE+=(-p "$PROJECT" -f "$FILE")
start=$(date +%s)

"$ROOT/docker/build-image.sh"

down() {
  echo "demo: removing the cluster's containers, network and volumes" >&2
  "${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
}
trap down EXIT
echo "demo: starting the head and two worker nodes (${COMPOSE[*]})" >&2
"${COMPOSE[@]}" up -d head worker-a worker-b
echo "demo: running the driver: MonteCarloPi, $PI_TASKS tasks of $PI_SAMPLES samples, SPREAD" >&2
rc=0
"${COMPOSE[@]}" run --rm driver || rc=$?
if [ "$rc" != 0 ]; then
  echo "demo: the driver failed (exit $rc); the nodes' last log lines:" >&2
  "${COMPOSE[@]}" logs --tail 30 head worker-a worker-b >&2 || true
fi
echo "demo: done in $(( $(date +%s) - start )) s, exit $rc" >&2
exit "$rc"
