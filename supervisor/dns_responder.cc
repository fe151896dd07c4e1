// The supervisor's loopback DNS server (see dns_responder.h).
#include "dns_responder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>

#include <cerrno>
#include <cstring>

#include "dns_answers.h"
#include "dns_message.h"
#include "socks4/client_log.h"

namespace socks4::supervisor {
namespace {

UniqueFd bind_loopback(int family, SocketAddress& bound) {
  UniqueFd fd(socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return fd;
  sockaddr_storage address{};
  socklen_t length = 0;
  if (family == AF_INET) {
    auto* four = reinterpret_cast<sockaddr_in*>(&address);
    four->sin_family = AF_INET;
    four->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof *four;
  } else {
    int only = 1;
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof only);
    auto* six = reinterpret_cast<sockaddr_in6*>(&address);
    six->sin6_family = AF_INET6;
    six->sin6_addr = in6addr_loopback;
    length = sizeof *six;
  }
  bound.length = sizeof bound.address;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound.address), &bound.length) != 0) {
    return UniqueFd();
  }
  return fd;
}

}  // namespace

DnsResponder::DnsResponder(ResolveMode mode) : mode_(mode) {
  ipv4_ = bind_loopback(AF_INET, ipv4_address_);
  ipv6_ = bind_loopback(AF_INET6, ipv6_address_);  // none on a host without ::1
  stop_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!ipv4_ || !stop_) {
    client::error_log("socksify: cannot listen for DNS queries on 127.0.0.1: %s",
                      std::strerror(errno));
    ipv4_.reset();
    return;
  }
  for (int i = 0; i < kThreads; ++i) threads_.emplace_back([this] { serve(); });
}

DnsResponder::~DnsResponder() {
  if (stop_) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(stop_.get(), &one, sizeof one);
  }
  for (std::thread& t : threads_) t.join();
}

std::optional<SocketAddress> DnsResponder::address_for(int family) const {
  if (!ok()) return std::nullopt;
  if (family == AF_INET) return ipv4_address_;
  if (family != AF_INET6) return std::nullopt;
  if (ipv6_) return ipv6_address_;
  // ::ffff:127.0.0.1 reaches the IPv4 socket from a dual-stack one.
  SocketAddress mapped;
  auto* six = reinterpret_cast<sockaddr_in6*>(&mapped.address);
  six->sin6_family = AF_INET6;
  six->sin6_port = reinterpret_cast<const sockaddr_in*>(&ipv4_address_.address)->sin_port;
  six->sin6_addr.s6_addr[10] = 0xff;
  six->sin6_addr.s6_addr[11] = 0xff;
  uint32_t loopback = htonl(INADDR_LOOPBACK);
  std::memcpy(&six->sin6_addr.s6_addr[12], &loopback, 4);
  mapped.length = sizeof *six;
  return mapped;
}

void DnsResponder::serve() {
  std::vector<uint8_t> query(kMaxDnsMessage);
  pollfd fds[3] = {{stop_.get(), POLLIN, 0}, {ipv4_.get(), POLLIN, 0}, {ipv6_.get(), POLLIN, 0}};
  nfds_t count = ipv6_ ? 3 : 2;
  while (true) {
    if (poll(fds, count, -1) < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) return;
    for (nfds_t i = 1; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      sockaddr_storage from{};
      socklen_t from_length = sizeof from;
      ssize_t n = recvfrom(fds[i].fd, query.data(), query.size(), MSG_DONTWAIT,
                           reinterpret_cast<sockaddr*>(&from), &from_length);
      if (n <= 0) continue;  // another thread took it
      std::vector<uint8_t> answer = answer_query(query.data(), static_cast<size_t>(n), mode_);
      if (answer.empty()) continue;
      sendto(fds[i].fd, answer.data(), answer.size(), MSG_DONTWAIT,
             reinterpret_cast<sockaddr*>(&from), from_length);
    }
  }
}

}  // namespace socks4::supervisor
