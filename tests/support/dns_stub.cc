#include "dns_stub.h"

#include <poll.h>
#include <sys/socket.h>

#include <vector>

#include "byte_stream.h"
#include "socket_io.h"

namespace socks4::test {
namespace {

constexpr size_t kHeaderSize = 12;

// Length of header plus question section, or 0 if the query is malformed.
size_t question_end(const uint8_t* query, size_t length) {
  size_t at = kHeaderSize;
  while (at < length && query[at] != 0) {
    if (query[at] & 0xc0) return 0;  // a query's own name is never compressed
    at += 1 + query[at];
  }
  at += 1 + 4;  // the root label, QTYPE, QCLASS
  return at <= length ? at : 0;
}

}  // namespace

DnsStub::DnsStub(Mode mode) : mode_(mode) {
  socket_.reset(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = make_address(INADDR_LOOPBACK, 0);
  if (!socket_ || bind(socket_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    return;
  port_ = local_port(socket_.get());
  thread_ = std::thread([this] { serve(); });
}

DnsStub::~DnsStub() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::string DnsStub::resolv_conf(int timeout_s, int attempts) const {
  return "nameserver 127.0.0.1:" + std::to_string(port_) +
         "\noptions timeout:" + std::to_string(timeout_s) +
         " attempts:" + std::to_string(attempts) + "\n";
}

void DnsStub::serve() {
  ByteStream noise(0xd25);
  std::vector<uint8_t> packet(4096);
  while (!stop_) {
    pollfd p{socket_.get(), POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    sockaddr_storage from{};
    socklen_t from_length = sizeof from;
    ssize_t n = recvfrom(socket_.get(), packet.data(), packet.size(), 0,
                         reinterpret_cast<sockaddr*>(&from), &from_length);
    if (n < static_cast<ssize_t>(kHeaderSize)) continue;
    ++queries_;
    size_t length = 0;
    switch (mode_) {
      case Mode::kSilent:
        continue;
      case Mode::kServfail:
        length = question_end(packet.data(), static_cast<size_t>(n));
        if (length == 0) continue;
        packet[2] = static_cast<uint8_t>(0x80 | (packet[2] & 0x79));  // QR, opcode, RD
        packet[3] = 0x80 | 2;                                         // RA, SERVFAIL
        for (size_t i = 6; i < kHeaderSize; ++i) packet[i] = 0;       // no other records
        break;
      case Mode::kGarbage:
        length = 40;
        noise.fill(std::span(packet).subspan(2, length - 2));
        break;
    }
    sendto(socket_.get(), packet.data(), length, 0, reinterpret_cast<sockaddr*>(&from),
           from_length);
  }
}

}  // namespace socks4::test
