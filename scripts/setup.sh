#!/usr/bin/env bash
# Everything Tortie needs on a fresh Debian 12 machine, as root: system packages, npm packages,
# the native addon, the BPF objects, the TypeScript build and the CLI bundle. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool   # BPF objects and the libbpf addon
  make g++ python3                                      # node-gyp
  iproute2 util-linux procps kmod                       # ip/tc, nsenter/mount, sysctl
  nftables                                              # natOutgoing (the kernel's masquerade)
  iputils-ping iputils-arping ethtool tcpdump           # tests
  iperf3 sockperf                                       # benchmarks
  etcd-server etcd-client                               # etcd datastore tests and benchmark
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --ignore-scripts
fi
addon=build/Release/tortie_native.node
if [[ ! -f $addon || -n $(find native binding.gyp -newer "$addon" -type f 2>/dev/null | head -1) ]]; then
  log=$(mktemp)
  npm run --silent build:native >"$log" 2>&1 || { cat "$log"; rm -f "$log"; exit 1; }
  rm -f "$log"
fi
make -s -C bpf
npx --no-install tsc -p tsconfig.json
node scripts/bundle.mjs
echo "setup: done"
