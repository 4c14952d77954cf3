// udp_reflector ADDRESS:PORT -- the floor of a UDP DNS server built on recvmmsg/sendmmsg.
//
// One thread, one socket, no epoll: a blocking recvmmsg (MSG_WAITFORONE: wait for the first
// datagram, then take what is queued, up to kBatch), each query turned into a reply in place
// (reflector.h), one sendmmsg for the batch. No parsing, no copies, no allocation: fewer system
// calls per datagram than labgate's loop (which also calls epoll_wait and sees an EAGAIN), and the
// same batch size, so what it costs per answer is what the kernel costs.
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>

#include "reflector.h"

namespace {

constexpr int kBatch = 32;  // as labgate's event loop
constexpr size_t kDatagramBytes = 4096;

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s ADDRESS:PORT\n", argv[0]);
    return 2;
  }
  int fd = labgate::bench::bind_udp_or_die(argv[1]);
  static uint8_t buffers[kBatch][kDatagramBytes];
  sockaddr_in peers[kBatch];
  iovec iov[kBatch];
  mmsghdr in[kBatch], out[kBatch];
  while (true) {
    for (int i = 0; i < kBatch; ++i) {
      iov[i] = {buffers[i], kDatagramBytes};
      in[i] = {};
      in[i].msg_hdr.msg_name = &peers[i];
      in[i].msg_hdr.msg_namelen = sizeof peers[i];
      in[i].msg_hdr.msg_iov = &iov[i];
      in[i].msg_hdr.msg_iovlen = 1;
    }
    int got = ::recvmmsg(fd, in, kBatch, MSG_WAITFORONE, nullptr);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::perror("recvmmsg");
      return 1;
    }
    int replies = 0;
    for (int i = 0; i < got; ++i) {
      if (!labgate::bench::reflect_in_place(buffers[i], in[i].msg_len)) continue;
      iov[i].iov_len = in[i].msg_len;  // the reply is the query's bytes, changed in place
      out[replies] = {};
      out[replies].msg_hdr = in[i].msg_hdr;
      ++replies;
    }
    // A datagram the kernel refuses (e.g. an unreachable peer) is skipped, as a server would.
    for (int sent = 0; sent < replies;) {
      int r = ::sendmmsg(fd, out + sent, replies - sent, 0);
      sent += r > 0 ? r : 1;
    }
  }
}
