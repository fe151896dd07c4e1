// The little of the DNS wire format the supervisor's answers need (RFC 1035): one question read
// from a query, and a response to it carrying A or AAAA records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace socks4::supervisor {

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeAaaa = 28;
inline constexpr uint16_t kClassIn = 1;
inline constexpr size_t kMaxDnsMessage = 4096;

enum class Rcode : uint8_t { kNoError = 0, kServFail = 2, kNxDomain = 3, kNotImp = 4 };

struct DnsQuestion {
  uint16_t id = 0;
  bool recursion_desired = false;
  std::string name;  // as asked, without the final dot
  uint16_t type = 0;
  uint16_t qclass = 0;
  size_t question_end = 0;  // offset just past the question in the query
};

// The single question of a standard query; nullopt for anything else (a response, another
// opcode, several questions, a malformed or compressed name).
std::optional<DnsQuestion> parse_query(const uint8_t* data, size_t length);

// A response to `query` (its header and question copied) with `rcode` and one record per
// address: 4 bytes each for A, 16 for AAAA.
std::vector<uint8_t> build_response(const uint8_t* query, const DnsQuestion& question, Rcode rcode,
                                    const std::vector<std::vector<uint8_t>>& addresses,
                                    uint32_t ttl);

}  // namespace socks4::supervisor
