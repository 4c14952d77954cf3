// The lab's stand-in for the home router's resolver: a real Unbound in the upstream node.
//
// It answers, from local data only (nothing is ever sent anywhere), one name that stands for "a
// name on the internet": kLabInternetName, with the lab's internet address; every other name is
// NXDOMAIN. labgate's forwarder in the gateway forwards to it, so `verify --lab` can prove that
// recursion works for the networks the file allows and is refused for the others.
#pragma once

#include <string>
#include <vector>

#include "net/ip_address.h"
#include "plan/lab_plan.h"

namespace labgate {

// RFC 6761 reserves .test for testing: the name cannot collide with a real one.

// Unbound's configuration for a resolver listening on port 53 of `addresses` and answering
// kLabInternetName with `internet`. Pure.
std::string upstream_resolver_config(const std::vector<IpAddress>& addresses, IpAddress internet);

}  // namespace labgate
