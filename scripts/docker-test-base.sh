#!/usr/bin/env bash
# Build the base image the docker tests use, where no image registry is reachable:
# debootstrap a minimal Debian with python3, add this host's CA bundle (the package index is
# reached through a TLS proxy whose CA is in it), and `docker import` the tree.
#   scripts/docker-test-base.sh [TAG]        (default drift-test-base:bookworm)
set -euo pipefail
tag=${1:-drift-test-base:bookworm}
suite=${SUITE:-bookworm}
mirror=${MIRROR:-http://deb.debian.org/debian}
if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag exists" >&2; exit 0; fi
command -v debootstrap >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
root=$(mktemp -d /tmp/drift-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "debootstrap $suite into $root (a few minutes)" >&2
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates "$suite" "$root" "$mirror" >/tmp/debootstrap.log 2>&1 \
  || { tail -20 /tmp/debootstrap.log >&2; exit 1; }
# After every apt step (which would overwrite /etc/ssl/certs): the host's bundle, kept apart too.
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/usr/local/share/drift-test/ca-bundle.pem"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import \
  --change 'ENV PIP_CERT=/usr/local/share/drift-test/ca-bundle.pem SSL_CERT_FILE=/usr/local/share/drift-test/ca-bundle.pem PIP_DISABLE_PIP_VERSION_CHECK=1' \
  --change 'CMD ["python3"]' - "$tag" >/dev/null
echo "built $tag" >&2
