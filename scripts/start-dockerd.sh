#!/usr/bin/env bash
# Make a Docker Engine answer: install Debian's docker.io when missing, start dockerd in the
# background when nothing answers, and wait for it (used by .ci/run and by hand).
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
if ! command -v dockerd >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi
log=${DOCKERD_LOG:-/tmp/dockerd.log}
# a dockerd killed with its session leaves a pid file behind
if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  rm -f /var/run/docker.pid
fi
(setsid dockerd >"$log" 2>&1 &)
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then echo "dockerd is up" >&2; exit 0; fi
  sleep 1
done
echo "dockerd did not start; last lines of $log:" >&2
tail -20 "$log" >&2
exit 1
