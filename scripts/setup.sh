#!/usr/bin/env bash
# Installs what Faultline's tests and local cluster need on a fresh Debian
# machine (run as root). Idempotent: packages already present are skipped.
set -euo pipefail
export PATH="/usr/local/go/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive

# Packages must not start their services on the host: Faultline starts what it
# needs inside the nodes it builds.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
fi

# Debian packages the tests use. Extend this list as integration tests grow.
packages=(iproute2 iptables util-linux openssh-server openssh-client procps psmisc chromium etcd-server)
# control/node and localcluster tests: sudo to other users, fetching and unpacking archives.
packages+=(sudo curl unzip)
# The SQL suite's databases (suites/sqlsuite/sqldb), started inside the nodes, never on the host;
# mariadb-backup is Galera's other state-transfer method (--sst-method mariabackup).
packages+=(mariadb-server mariadb-client galera-4 rsync mariadb-backup postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

go mod download
echo "setup: ready"
