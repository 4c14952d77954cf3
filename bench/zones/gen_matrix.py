#!/usr/bin/env python3
"""A 6-zone, 30-service lab topology for timing `labgate verify --lab` (bench/zones/verify_bench.sh,
tests/integration/zones_six_test.sh).

usage: gen_matrix.py OUT.yaml

Zones: wan (the uplink) and z1..z5, one network each (vmbr0 and VLANs 11..15 on vmbr0). Six
services per internal zone (30), each with two TCP ports (8000+k, 9000+k). Policies: every internal
zone but z5 reaches wan; z<i> reaches z<i+1> on the 8000-ports only; z1 also reaches z3..z5 on
both ports of their first service; z5 reaches nothing; management of the gateway (tcp 22) from one host of z1.
"""
import sys

out = sys.argv[1]
lines = ["version: 1", "networks:",
         "  lan: { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.2, "
         "router: 192.168.1.1, uplink: true }"]
for i in range(1, 6):
    lines.append(f"  n{i}: {{ interface: vmbr0.1{i}, vlan: {{ id: 1{i}, trunk: vmbr0 }}, "
                 f"subnet: 10.1{i}.0.0/24, address: 10.1{i}.0.1, masquerade: true }}")
lines += ["hosts:", "  admin: { network: n1, address: 10.11.0.10 }", "services:"]
for i in range(1, 6):
    for k in range(6):
        lines.append(f"  s{i}{k}: {{ address: 10.1{i}.0.{20 + k}, "
                     f"ports: {{ a: {8000 + k}, b: {9000 + k} }} }}")
lines += ["dns:", "  zone: lab", "  names:"]
for i in range(1, 6):
    for k in range(6):
        lines.append(f"    s{i}{k}: s{i}{k}")
lines += ["  upstreams: [192.168.1.1]", "  listen: [n1, n2, n3, n4]", "zones:",
          "  wan: { networks: [lan], intra: accept }"]
for i in range(1, 6):
    lines.append(f"  z{i}: {{ networks: [n{i}], intra: accept }}")
lines += ["policies:", "  rules:"]
for i in range(1, 5):
    lines.append(f"    - {{ from: z{i}, to: wan }}")
for i in range(1, 5):
    if i + 1 <= 5:
        ports = ", ".join(str(8000 + k) for k in range(6))
        lines.append(f"    - {{ from: z{i}, to: z{i + 1}, proto: tcp, ports: [{ports}] }}")
for j in range(3, 6):
    lines.append(f"    - {{ from: z1, to: z{j}, proto: tcp, ports: [8000, 9000] }}")
lines.append("    - { from: z1, to: gateway, proto: tcp, ports: 22, source: 10.11.0.10 }")
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
