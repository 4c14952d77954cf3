// The topology as a self-contained SVG picture: the same facts as the text diagram (diagram.h) —
// the internet and the uplink's router, each network with its subnet, the gateway's address and
// interface, its hosts, services and pools; the gateway with its forwards (listen port → target);
// the DNS zone with what each name answers on each network.
//
// Contract: pure and deterministic (the same Plan gives the same bytes). The document needs no
// external font, stylesheet or image: text uses the generic `monospace` family and widths are
// computed from character counts, so it renders alike offline, on the status page and in a file.
#pragma once

#include <string>

#include "plan/plan.h"

namespace labgate::show {

// A complete SVG document (with the XML declaration), ending with '\n'.
// Everything it draws, the gateway's name included (dns.gateway_name), comes from the Plan.
std::string render_svg(const Plan& plan);

}  // namespace labgate::show
