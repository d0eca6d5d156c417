#!/usr/bin/env bash
# The main job: sets everything up, builds a Calico-shaped node with three pods in network
# namespaces, loads Tortie, shows the pods reaching each other, then tears it all down.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

tortie() { node dist/bundle/tortie.mjs "$@"; }
LAB=${TORTIE_DEMO_LAB:-demo}
trap 'tortie lab down --name "$LAB" >/dev/null 2>&1 || true' EXIT

tortie lab down --name "$LAB" >/dev/null 2>&1 || true
echo "== tortie lab up"
tortie lab up --name "$LAB"
NODE_NS="tt-$LAB-node1"
PIN_DIR="/sys/fs/bpf/tortie/lab-$LAB-node1"
in_node() { nsenter --net="/run/netns/$NODE_NS" -- "$@"; }

echo; echo "== proxy_arp on the cali interfaces (Tortie answers ARP in BPF)"
in_node sh -c 'for f in /proc/sys/net/ipv4/conf/cali*/proxy_arp; do echo "$f = $(cat "$f")"; done'

echo; echo "== connectivity"
tortie lab check --name "$LAB"

echo; echo "== a pod's neighbour table"
ip netns exec "$NODE_NS-pod11" ip neigh show

echo; echo "== tortie status (in $NODE_NS)"
in_node node dist/bundle/tortie.mjs status --pin-dir "$PIN_DIR"
echo; echo "== tortie bpf endpoints dump"
in_node node dist/bundle/tortie.mjs bpf endpoints dump --pin-dir "$PIN_DIR"
echo; echo "== tortie bpf counters dump"
in_node node dist/bundle/tortie.mjs bpf counters dump --pin-dir "$PIN_DIR"

echo; echo "== tortie lab down"
tortie lab down --name "$LAB"

# Cross-node: two nodes (three for CrossSubnet, the third behind a router), in every mode.
for mode in ipip vxlan direct crosssubnet vxlan-interop; do
  nodes=2; extra=()
  [[ $mode == crosssubnet ]] && nodes=3
  [[ $mode == vxlan-interop ]] && extra=(--kernel-node)
  lab_mode=${mode%-interop}
  echo; echo "================ cross-node: $mode ================"
  tortie lab up --name "$LAB" --nodes "$nodes" --pods 2 --mode "$lab_mode" "${extra[@]}"
  tortie lab check --name "$LAB"
  echo "-- on the wire (node1's port), pod11 -> pod${nodes}1:"
  ip netns exec "tt-$LAB-wire" timeout 5 tcpdump -n -v -l -c 2 -i node1 'icmp or ip proto 4 or udp port 4789' 2>/dev/null &
  sleep 0.5
  ip netns exec "tt-$LAB-node1-pod11" ping -c 1 -W 1 "10.24.$nodes.2" >/dev/null
  wait
  echo "-- tortie bpf routes dump (node1):"
  in_node node dist/bundle/tortie.mjs bpf routes dump --pin-dir "$PIN_DIR"
  tortie lab down --name "$LAB" >/dev/null
done
trap - EXIT
