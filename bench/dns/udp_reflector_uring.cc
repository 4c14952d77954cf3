// udp_reflector_uring ADDRESS:PORT -- the floor of a UDP DNS server built on io_uring.
//
// The same reflection as udp_reflector.cc (reflector.h), with io_uring instead of
// recvmmsg/sendmmsg: one multishot recvmsg keeps receiving into buffers the kernel picks from a
// provided-buffer ring (no system call per receive); each query becomes a reply in its own buffer
// and is queued as a sendmsg SQE; one io_uring_enter per round submits every queued send and waits
// for the next completions. A buffer goes back to the ring when its send completes. The ring is
// single-issuer with deferred task work (kernel 6.1+), so completions are reaped only inside that
// one io_uring_enter, in a batch.
#include <liburing.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "reflector.h"

namespace {

constexpr unsigned kBuffers = 256;       // power of two (buffer ring), also the SQ/CQ depth
constexpr unsigned kBufferBytes = 2048;  // recvmsg_out header + peer address + the query
constexpr uint16_t kGroup = 0;
constexpr uint64_t kRecvTag = ~uint64_t{0};  // user_data of the multishot recvmsg; sends use bid

struct Reflector {
  io_uring ring;
  int fd = -1;
  io_uring_buf_ring* buffer_ring = nullptr;
  uint8_t* buffers = nullptr;
  msghdr recv_template{};         // tells the kernel how much room to leave for the peer address
  msghdr send_headers[kBuffers];  // one per buffer: live until that buffer's send completes
  iovec send_iovs[kBuffers];

  uint8_t* buffer(unsigned bid) { return buffers + size_t{bid} * kBufferBytes; }

  void give_back(unsigned bid) {
    io_uring_buf_ring_add(buffer_ring, buffer(bid), kBufferBytes, bid,
                          io_uring_buf_ring_mask(kBuffers), 0);
    io_uring_buf_ring_advance(buffer_ring, 1);
  }

  void arm_receive() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_recvmsg_multishot(sqe, fd, &recv_template, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = kGroup;
    io_uring_sqe_set_data64(sqe, kRecvTag);
  }

  // A received datagram in buffer bid: queue its reply, or give the buffer back at once.
  void on_receive(unsigned bid, int length) {
    auto* out = io_uring_recvmsg_validate(buffer(bid), length, &recv_template);
    if (!out || (out->flags & MSG_TRUNC) || out->namelen > sizeof(sockaddr_in))
      return give_back(bid);
    auto* payload = static_cast<uint8_t*>(io_uring_recvmsg_payload(out, &recv_template));
    size_t size = io_uring_recvmsg_payload_length(out, length, &recv_template);
    if (!labgate::bench::reflect_in_place(payload, size)) return give_back(bid);
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    if (!sqe) return give_back(bid);  // cannot happen: the SQ is as deep as the buffer ring
    send_iovs[bid] = {payload, size};
    send_headers[bid] = {};
    send_headers[bid].msg_name = io_uring_recvmsg_name(out);
    send_headers[bid].msg_namelen = out->namelen;
    send_headers[bid].msg_iov = &send_iovs[bid];
    send_headers[bid].msg_iovlen = 1;
    io_uring_prep_sendmsg(sqe, fd, &send_headers[bid], 0);
    io_uring_sqe_set_data64(sqe, bid);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s ADDRESS:PORT\n", argv[0]);
    return 2;
  }
  static Reflector r;
  r.fd = labgate::bench::bind_udp_or_die(argv[1]);
  io_uring_params params{};
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  params.cq_entries = 2 * kBuffers;
  params.flags |= IORING_SETUP_CQSIZE;
  if (int e = io_uring_queue_init_params(kBuffers, &r.ring, &params); e < 0) {
    std::fprintf(stderr, "io_uring_queue_init: %s\n", std::strerror(-e));
    return 1;
  }
  // The provided-buffer ring: page-aligned memory the kernel and this process share.
  size_t ring_bytes = kBuffers * sizeof(io_uring_buf);
  void* ring_memory =
      ::mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  r.buffers =
      static_cast<uint8_t*>(::mmap(nullptr, size_t{kBuffers} * kBufferBytes, PROT_READ | PROT_WRITE,
                                   MAP_ANONYMOUS | MAP_PRIVATE, -1, 0));
  if (ring_memory == MAP_FAILED || r.buffers == MAP_FAILED) {
    std::perror("mmap");
    return 1;
  }
  r.buffer_ring = static_cast<io_uring_buf_ring*>(ring_memory);
  io_uring_buf_ring_init(r.buffer_ring);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(ring_memory);
  reg.ring_entries = kBuffers;
  reg.bgid = kGroup;
  if (int e = io_uring_register_buf_ring(&r.ring, &reg, 0); e < 0) {
    std::fprintf(stderr, "io_uring_register_buf_ring: %s\n", std::strerror(-e));
    return 1;
  }
  for (unsigned bid = 0; bid < kBuffers; ++bid) r.give_back(bid);
  r.recv_template.msg_namelen = sizeof(sockaddr_in);
  r.arm_receive();

  while (true) {
    int e = io_uring_submit_and_wait(&r.ring, 1);
    if (e < 0 && e != -EINTR) {
      std::fprintf(stderr, "io_uring_submit_and_wait: %s\n", std::strerror(-e));
      return 1;
    }
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    bool rearm = false;
    io_uring_for_each_cqe(&r.ring, head, cqe) {
      ++seen;
      if (cqe->user_data != kRecvTag) {  // a send finished (or failed: the reply is lost)
        r.give_back(static_cast<unsigned>(cqe->user_data));
        continue;
      }
      // Without F_MORE the multishot receive has ended (e.g. -ENOBUFS: every buffer is out).
      if (!(cqe->flags & IORING_CQE_F_MORE)) rearm = true;
      if (cqe->res >= 0 && (cqe->flags & IORING_CQE_F_BUFFER))
        r.on_receive(cqe->flags >> IORING_CQE_BUFFER_SHIFT, cqe->res);
    }
    io_uring_cq_advance(&r.ring, seen);
    if (rearm) r.arm_receive();
  }
}
