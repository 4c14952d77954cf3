#!/usr/bin/env python3
"""One zone policy, written two ways, for bench/zones/zone_bench.sh.

usage: gen_zones.py ZONES RULES OUT.yaml OUT-fw4.nft

Zones z0..z{ZONES-1}, one network each (interface zi<i>, 10.<i>.0.0/24, gateway 10.<i>.0.1). The
measured pair is the last zone to the one before it (client on zi<Z-1>, server 10.<Z-2>.0.100 on
zi<Z-2>, TCP 8080): RULES-1 rules for other ports of that pair, then the one that matches. Every
other pair has one rule (tcp 443), so both rulesets hold ZONES*(ZONES-1) pairs.

- OUT.yaml: a labgate file (zones and policies): labgate compiles it to the verdict-map dispatch.
- OUT-fw4.nft: the same policy in the shape OpenWrt's fw4 generates: the forward chain jumps to
  a per-zone chain by `iifname` (one rule per zone, in order), which jumps to the pair by `oifname`
  (one rule per destination zone), whose chain holds one rule per rule, then drops. The measured
  pair is last in both scans: the worst case of the linear shape.
"""
import sys

zones, rules = int(sys.argv[1]), int(sys.argv[2])
out_yaml, out_nft = sys.argv[3], sys.argv[4]
src, dst = zones - 1, zones - 2
SERVER_PORT = 8080


def pair_ports(a, b):
    if (a, b) != (src, dst):
        return [443]
    return [20000 + k for k in range(rules - 1)] + [SERVER_PORT]


with open(out_yaml, "w") as y:
    y.write("version: 1\nnetworks:\n")
    for i in range(zones):
        y.write(f"  n{i}: {{ interface: zi{i}, subnet: 10.{i}.0.0/24, address: 10.{i}.0.1 }}\n")
    y.write("zones:\n")
    for i in range(zones):
        y.write(f"  z{i}: {{ networks: [n{i}], intra: accept }}\n")
    y.write("policies:\n  rules:\n")
    for a in range(zones):
        for b in range(zones):
            if a != b:
                for p in pair_ports(a, b):
                    y.write(f"    - {{ from: z{a}, to: z{b}, proto: tcp, ports: {p} }}\n")

with open(out_nft, "w") as n:
    n.write("table inet fw4 {}\ndelete table inet fw4\ntable inet fw4 {\n")
    n.write("\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n")
    n.write("\t\tct state established,related accept\n")
    for i in range(zones):
        n.write(f'\t\tiifname "zi{i}" jump forward_z{i}\n')
    n.write("\t}\n")
    for a in range(zones):
        n.write(f"\tchain forward_z{a} {{\n")
        for b in range(zones):
            if a != b:
                n.write(f'\t\toifname "zi{b}" jump z{a}_z{b}\n')
        n.write("\t\tdrop\n\t}\n")
        for b in range(zones):
            if a != b:
                n.write(f"\tchain z{a}_z{b} {{\n")
                for p in pair_ports(a, b):
                    n.write(f"\t\ttcp dport {p} accept\n")
                n.write("\t\tdrop\n\t}\n")
    n.write("}\n")
