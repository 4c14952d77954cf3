# The seed's rules, exactly as docs/homelab-network.md writes them (run on the Proxmox host).
# 1. Forward incoming HTTP/S traffic (ports 80/443) to the ingress controller (DNAT)
# This rule redirects traffic destined for the Proxmox host to the cluster's ingress controller.
sudo iptables -t nat -A PREROUTING -i vmbr0 -p tcp --dport 80 -j DNAT --to-destination 192.168.100.80
sudo iptables -t nat -A PREROUTING -i vmbr0 -p tcp --dport 443 -j DNAT --to-destination 192.168.100.80

# 2. Forward Kubernetes API traffic (external port 6443) to the API server VIP (DNAT)
# This allows kubectl and k9s to connect to the cluster.
sudo iptables -t nat -A PREROUTING -i vmbr0 -p tcp --dport 6443 -j DNAT --to-destination 192.168.100.50:6443

# 3. Forward SFTP traffic (external port 2222) to the SFTP service (DNAT)
# This allows SFTP clients to connect to the SFTP server.
sudo iptables -t nat -A PREROUTING -i vmbr0 -p tcp --dport 2222 -j DNAT --to-destination 192.168.100.81:22

# 4. Fix the return address for all forwarded traffic (SNAT)
# These rules ensure replies from the cluster appear to come from the Proxmox host,
# preventing client connection issues.
sudo iptables -t nat -A POSTROUTING -p tcp --dport 80 -d 192.168.100.80 -j SNAT --to-source 192.168.100.1
sudo iptables -t nat -A POSTROUTING -p tcp --dport 443 -d 192.168.100.80 -j SNAT --to-source 192.168.100.1
sudo iptables -t nat -A POSTROUTING -p tcp --dport 6443 -d 192.168.100.50 -j SNAT --to-source 192.168.100.1
sudo iptables -t nat -A POSTROUTING -p tcp --dport 22 -d 192.168.100.81 -j SNAT --to-source 192.168.100.1
