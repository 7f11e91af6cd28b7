#!/usr/bin/env bash
# postinstall, after patch-package: npm built ssh2's native crypto binding (ssh2's own install script) before
# the root postinstall patched its C++ source (patches/ssh2+*.patch fixes chacha20-poly1305 on OpenSSL 3.5,
# i.e. Node 24), so a binding older than its source is built again, the way ssh2's install script builds it.
# Bindings built for other Node ABIs (sshcrypto-<abi>.node, scripts/container-node.sh) that are older than the
# source are removed; that script builds them again when asked.
set -euo pipefail
ssh2=node_modules/ssh2
source_file="$ssh2/lib/protocol/crypto/src/binding.cc"
release="$ssh2/lib/protocol/crypto/build/Release"
[[ -f "$source_file" ]] || exit 0 # ssh2 not installed (e.g. a partial install): nothing to do
for other in "$release"/sshcrypto-*.node; do
  [[ -f "$other" && "$source_file" -nt "$other" ]] && rm -f "$other"
done
if [[ ! -f "$release/sshcrypto.node" || "$source_file" -nt "$release/sshcrypto.node" ]]; then
  echo "ssh2: building the crypto binding from the patched source"
  (cd "$ssh2" && node install.js)
fi
