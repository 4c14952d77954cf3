// The DNS service as the runtime hosts it: answers from the current Authority, replaced whole on
// reload.
//
// Reload without dropping a query: replace() publishes a new Authority with one atomic store;
// each event loop notices the new generation before its next batch and switches then. Queries
// already being answered finish on the Authority they started with, which stays alive (shared
// ownership) until the last loop lets go of it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "dns/authority.h"
#include "runtime/service.h"

namespace labgate::dns {

class DnsService : public runtime::Service {
 public:
  explicit DnsService(std::shared_ptr<const Authority> initial);

  // Thread-safe.
  void replace(std::shared_ptr<const Authority> next);
  std::shared_ptr<const Authority> current() const { return current_.load(); }

  std::unique_ptr<runtime::LoopHandler> make_loop_handler() override;

 private:
  class Handler;

  std::atomic<std::shared_ptr<const Authority>> current_;
  std::atomic<uint64_t> generation_{1};
};

}  // namespace labgate::dns
