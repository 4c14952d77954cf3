// `labgate export dns`: the records one network sees, for people who keep Pi-hole or dnsmasq.
//
// Pure: the text is computed from the Plan's DNS views (plan/plan.h: the same split-horizon
// decision as the server and `labgate show`). Names that the network gets no answer for are left
// out with a comment saying why; what a format cannot say (a wildcard in a hosts file) is said in
// a comment rather than dropped silently.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "diag/result.h"
#include "plan/plan.h"

namespace labgate::dns {

enum class ExportFormat { kPihole, kDnsmasq, kHosts, kZone };

// "pihole", "dnsmasq", "hosts", "zone".
std::optional<ExportFormat> parse_export_format(std::string_view text);

// The view of network `view` (empty: the uplink network, else the first network). Fails with
// a failure if the file has no dns section or `view` names no network.
Result<std::string> export_dns(const DnsPlan& dns, ExportFormat format, const std::string& view);

}  // namespace labgate::dns
