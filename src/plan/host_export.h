// The host side of a file with VLANs (docs/zones.md, "The host side"): what the machines around
// the router need so the VLANs the file names exist.
//
// - export_proxmox_interfaces(): the Proxmox VE host's /etc/network/interfaces stanzas (ifupdown2
//   syntax): each trunk as a VLAN-aware bridge (`bridge-vlan-aware yes`, `bridge-vids` with the
//   file's VLAN ids of that trunk), the host's own address (on the bridge, or on a VLAN interface
//   `vmbr0.N` of it when the host is in a VLAN), and, as comments, the VLAN tag each host of the
//   file gets on its network device (none on the trunk's untagged network; the router's device
//   carries every VLAN of the trunk, untagged).
// - export_networkd(): systemd-networkd files for a Linux router with the file's interfaces: a
//   .network per trunk listing its VLANs, a .netdev (Kind=vlan) and a .network (the gateway's
//   address; the uplink's route) per VLAN, and a .network for each untagged network.
//
// Contract: pure and deterministic; interface names pass plan/text_quote.h's checks. Networks in
// file order; VLANs of a trunk in file order.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "diag/result.h"
#include "plan/plan.h"

namespace labgate {

struct ProxmoxExportOptions {
  std::string host;         // the host of the file that is the Proxmox host ("" : no address)
  std::string bridge_port;  // the bridge's physical port, e.g. eno1 ("": none)
};

// Fails when options.host is not a host of the file.
Result<std::string> export_proxmox_interfaces(const Plan& plan, const ProxmoxExportOptions& options,
                                              std::string_view source_name);

std::string export_networkd(const Plan& plan, std::string_view source_name);

}  // namespace labgate
