#!/usr/bin/env python3
"""Writes a seed-like topology with N kernel forwards (lan:10000+i -> a cluster service port),
and the same forwards written the seed's way (one iptables DNAT rule each) for comparison.

usage: gen_forwards.py N TOPOLOGY_OUT IPTABLES_OUT
"""
import sys

n, topo_path, ipt_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
per_service = 500  # ports per service; services get consecutive cluster addresses from .100
lines = [
    "version: 1",
    "networks:",
    "  lan: { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }",
    "  cluster: { interface: vmbr1, subnet: 192.168.100.0/24, address: 192.168.100.1, masquerade: true }",
    "services:",
]
services = (n + per_service - 1) // per_service
for s in range(services):
    ports = ", ".join(f"p{i}: {20000 + i}" for i in range(s * per_service, min(n, (s + 1) * per_service)))
    lines.append(f"  svc{s}: {{ address: 192.168.100.{100 + s}, ports: {{ {ports} }} }}")
lines.append("forwards:")
for i in range(n):
    lines.append(f"  - {{ listen: lan:{10000 + i}, to: svc{i // per_service}:p{i} }}")
open(topo_path, "w").write("\n".join(lines) + "\n")

rules = ["*nat"]
for i in range(n):
    rules.append(f"-A PREROUTING -i vmbr0 -p tcp -m tcp --dport {10000 + i} -j DNAT "
                 f"--to-destination 192.168.100.{100 + i // per_service}:{20000 + i}")
rules.append("COMMIT")
open(ipt_path, "w").write("\n".join(rules) + "\n")
