#include "dns/service.h"

#include "dns/responder.h"

namespace labgate::dns {

class DnsService::Handler : public runtime::LoopHandler {
 public:
  explicit Handler(const DnsService& service) : service_(service) { refresh(); }

  void refresh() override {
    // One relaxed-cost load per batch; the shared_ptr is copied only when a reload happened.
    uint64_t g = service_.generation_.load(std::memory_order_acquire);
    if (g == generation_) return;
    authority_ = service_.current_.load();
    generation_ = g;
  }

  size_t handle(const uint8_t* message, size_t size, Ipv4 client, runtime::Transport transport,
                uint8_t* out, size_t out_capacity) override {
    return respond(*authority_, message, size, client,
                   transport == runtime::Transport::kTcp ? Transport::kTcp : Transport::kUdp, out,
                   out_capacity);
  }

 private:
  const DnsService& service_;
  uint64_t generation_ = 0;
  std::shared_ptr<const Authority> authority_;
};

DnsService::DnsService(std::shared_ptr<const Authority> initial) : current_(std::move(initial)) {}

void DnsService::replace(std::shared_ptr<const Authority> next) {
  current_.store(std::move(next));
  generation_.fetch_add(1, std::memory_order_release);
}

std::unique_ptr<runtime::LoopHandler> DnsService::make_loop_handler() {
  return std::make_unique<Handler>(*this);
}

}  // namespace labgate::dns
