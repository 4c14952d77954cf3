// A text drawing of a topology, in the spirit of the seed's ASCII art: the internet and the
// uplink's router on top, the uplink network, the gateway as a box listing its interfaces and
// addresses, then each network behind the gateway with its hosts, services and pools (services
// inside a pool hang under the pool). Pure: returns the drawing, prints nothing.
#pragma once

#include <string>

#include "plan/plan.h"

namespace labgate::show {

// Lines use Unicode box drawing characters, one column each; every line ends with '\n'. With
// zones, each network is labelled with its zone and VLAN. Reads the Plan only.
std::string render_diagram(const Plan& plan);

}  // namespace labgate::show
