#!/usr/bin/env bash
# Installs the system programs the tests drive (OpenSSH, curl, servers, Chromium, ...) when missing.
# Each scripts/test-deps/*.txt lists "<program-to-check> <debian-package>" per line.
set -euo pipefail
cd "$(dirname "$0")"
missing=()
for list in test-deps/*.txt; do
  while read -r program package; do
    [[ -z "${program:-}" || "$program" == \#* ]] && continue
    if [[ "$program" == /* ]]; then [[ -e "$program" ]] && continue
    else command -v "$program" >/dev/null 2>&1 && continue; fi
    missing+=("$package")
  done < "$list"
done
if ((${#missing[@]})); then
  mapfile -t unique < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "installing test dependencies: ${unique[*]}"
  if [[ $(id -u) -ne 0 ]]; then echo "need root to apt-get install ${unique[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${unique[@]}" >/dev/null
  # Packaged daemons must not keep running outside the tests that start them.
  for svc in ssh postgresql vsftpd dovecot opensmtpd postfix exim4 prometheus prometheus-node-exporter; do
    (service "$svc" stop >/dev/null 2>&1 || true)
  done
fi
