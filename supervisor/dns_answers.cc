// What a supervised program's DNS query is told (see dns_answers.h).
#include "dns_answers.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstring>
#include <string>

#include "dns_message.h"
#include "socks4/client_log.h"
#include "socks4/client_names.h"
#include "socks4/conf_address.h"
#include "socks4/fake_names.h"

namespace socks4::supervisor {
namespace {

constexpr uint32_t kLocalTtl = 60;
// Placeholders never change while socksify runs; a short time still keeps a program from
// caching them beyond it.
constexpr uint32_t kPlaceholderTtl = 60;

struct Decision {
  Rcode rcode = Rcode::kNoError;
  std::vector<std::vector<uint8_t>> addresses;
  uint32_t ttl = kLocalTtl;
};

std::vector<uint8_t> ipv4_bytes(uint32_t ip) {
  uint32_t net = htonl(ip);
  std::vector<uint8_t> out(4);
  std::memcpy(out.data(), &net, 4);
  return out;
}

// A name the SOCKS server resolves: a placeholder for A, no IPv6 address (SOCKS 4 has none).
Decision remote_answer(const std::string& name, uint16_t type) {
  Decision d;
  d.ttl = kPlaceholderTtl;
  if (type != kTypeA) return d;
  std::optional<uint32_t> ip = client::fake_address_for(name);
  if (!ip) {
    d.rcode = Rcode::kServFail;  // the table is full (reported once) or the name is unusable
    return d;
  }
  client::debug_log("DNS %s: resolved by the SOCKS server (placeholder %s)", name.c_str(),
                    conf::format_ipv4(*ip).c_str());
  d.addresses.push_back(ipv4_bytes(*ip));
  return d;
}

// This host's resolver; *rc is getaddrinfo's result.
Decision local_answer(const std::string& name, uint16_t type, int* rc) {
  Decision d;
  addrinfo hints{};
  hints.ai_family = type == kTypeA ? AF_INET : AF_INET6;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  *rc = getaddrinfo(name.c_str(), nullptr, &hints, &found);
  if (*rc != 0) {
    d.rcode = *rc == EAI_NONAME ? Rcode::kNxDomain : Rcode::kServFail;
    return d;
  }
  for (addrinfo* a = found; a != nullptr && d.addresses.size() < 16; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      d.addresses.push_back(
          ipv4_bytes(ntohl(reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr.s_addr)));
    } else if (a->ai_family == AF_INET6) {
      const auto* six = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      d.addresses.emplace_back(six->sin6_addr.s6_addr, six->sin6_addr.s6_addr + 16);
    }
  }
  freeaddrinfo(found);
  return d;
}

Decision decide(const std::string& name, uint16_t type, ResolveMode mode) {
  if (type != kTypeA && type != kTypeAaaa) return {};  // no records of other types here
  if (!always_local_name(name)) {
    bool remote_first = mode == ResolveMode::kRemote ? client::name_may_go_through_server(name)
                                                     : client::name_routed_by_conf(name);
    if (remote_first) return remote_answer(name, type);
  }
  int rc = 0;
  Decision local = local_answer(name, type, &rc);
  if (rc == 0 || always_local_name(name)) return local;
  if (type == kTypeAaaa) return {};  // the A query decides; no IPv6 address
  if (local_failure_means_remote(rc) && client::name_may_go_through_server(name)) {
    return remote_answer(name, type);
  }
  return local;
}

}  // namespace

std::vector<uint8_t> answer_query(const uint8_t* query, size_t length, ResolveMode mode) {
  std::optional<DnsQuestion> question = parse_query(query, length);
  if (!question) return {};
  if (question->qclass != kClassIn) {
    return build_response(query, *question, Rcode::kNotImp, {}, 0);
  }
  Decision d = decide(question->name, question->type, mode);
  return build_response(query, *question, d.rcode, d.addresses, d.ttl);
}

}  // namespace socks4::supervisor
