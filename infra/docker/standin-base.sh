#!/usr/bin/env bash
# TEST STAND-IN, NOT FOR PRODUCTION. Builds a local image that takes the place of the pinned official Node base
# (apps/*/Dockerfile: ARG NODE_IMAGE) where no image registry can be reached, as on CI here. It has the same
# layout as node:<v>-bookworm-slim where the Dockerfiles rely on it: Debian bookworm (debootstrap minbase, from
# Debian's own mirror), node and npm in /usr/local, a `node` user with uid/gid 1000.
# The node binary is the one the tests run on (Node 24 from the npm registry, see .ci/node24.sh); npm is the
# registry's npm package at the host's npm version. Needs root, debootstrap and a running Docker engine.
#   usage: infra/docker/standin-base.sh [tag]      (default: bsky-explorer/node-standin:24-bookworm)
# Prints the tag on its last line. Rebuilds only when the tag is missing (docker image rm it to force).
set -euo pipefail
TAG="${1:-bsky-explorer/node-standin:24-bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "$TAG"
  exit 0
fi
NODE_BIN="$(command -v node)"
NODE_VERSION="$("$NODE_BIN" --version)"
case "$NODE_VERSION" in v24.*) ;; *)
  echo "standin-base: node on PATH is $NODE_VERSION; put Node 24 first (source .ci/node24.sh)" >&2
  exit 1
  ;;
esac
NPM_VERSION="$(npm --version)"

work="$(mktemp -d /var/tmp/bsky-standin.XXXXXX)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
echo "standin-base: debootstrap bookworm (minbase) from $MIRROR" >&2
debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log" >&2
  exit 1
}

install -m 0755 "$NODE_BIN" "$rootfs/usr/local/bin/node"
(cd "$work" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
# This machine reaches the npm registry through TLS interception whose CA only the host's bundle holds: the
# stand-in trusts the host's bundle (the official image needs no such thing where the registry is reached directly).
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# What the official slim image also leaves out.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/usr/share/doc/* \
  "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log

tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
  --change 'CMD ["node"]' \
  --change 'LABEL org.bsky-explorer.test-stand-in="true"' \
  --change "LABEL org.bsky-explorer.description=\"TEST STAND-IN for the official node:24-bookworm-slim image, not for production (node $NODE_VERSION, npm $NPM_VERSION, debootstrap bookworm minbase)\"" \
  - "$TAG" >/dev/null
echo "$TAG"
