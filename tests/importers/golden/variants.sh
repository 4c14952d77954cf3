# Variants of the seed's rules as people type them: -I, ports with and without --to-destination
# ports, UDP, long options, iptables -w, a rule typed twice, a rule shadowed by an inserted one,
# the bridge's post-up masquerade, an SNAT instead of MASQUERADE, rules labgate cannot express.
iptables -t nat -N LABGATE-OLD
iptables -w -t nat -A PREROUTING -i vmbr0 -p tcp --dport 8443 -j DNAT --to-destination 192.168.100.80:443
iptables -t nat -I PREROUTING -i vmbr0 -p tcp --dport 8443 -j DNAT --to-destination 192.168.100.82:443
iptables -t nat -I PREROUTING 2 --in-interface vmbr0 --protocol udp --destination-port 53 --jump DNAT --to-destination 192.168.100.53
iptables -t nat -A PREROUTING -i vmbr0 -d 192.168.1.55/32 -p tcp --dport 2222 -j DNAT --to-destination 192.168.100.81:22
iptables -t nat -A PREROUTING -i vmbr0 -d 192.168.1.55/32 -p tcp --dport 2222 -j DNAT --to-destination 192.168.100.81:22
iptables -t nat -A PREROUTING -i vmbr0 -p tcp --dport 8000:8010 -j DNAT --to-destination 192.168.100.90
iptables -t nat -A PREROUTING -p tcp --dport 9000 -j DNAT --to-destination 192.168.100.90
iptables -t nat -A PREROUTING -i vmbr0 -s 192.168.1.10 -p tcp --dport 9001 -j DNAT --to-destination 192.168.100.90
iptables -t nat -A PREROUTING -i vmbr0 -p tcp --dport 8080 -j REDIRECT --to-ports 3128
iptables -t nat -A POSTROUTING -s '192.168.100.0/24' -o vmbr0 -j MASQUERADE
iptables -t nat -A POSTROUTING -s 10.10.10.0/24 -o vmbr0 -j SNAT --to-source 192.168.1.55
iptables -t nat -A POSTROUTING -o vmbr0 -j MASQUERADE
iptables -t nat -A POSTROUTING -d 192.168.100.81 -p tcp --dport 22 -o vmbr1 -j SNAT --to-source 192.168.100.1
iptables -t nat -A POSTROUTING -d 192.168.100.99 -p tcp --dport 25 -j SNAT --to-source 192.168.100.1
iptables -A FORWARD -i vmbr0 -o vmbr1 -m state --state NEW -j ACCEPT
iptables -P FORWARD DROP
