// DNS queries read and responses written (see dns_message.h).
#include "dns_message.h"

namespace socks4::supervisor {
namespace {

constexpr size_t kHeaderSize = 12;

uint16_t read16(const uint8_t* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

void put16(std::vector<uint8_t>& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

}  // namespace

std::optional<DnsQuestion> parse_query(const uint8_t* data, size_t length) {
  if (length < kHeaderSize || length > kMaxDnsMessage) return std::nullopt;
  uint16_t flags = read16(data + 2);
  bool is_response = (flags & 0x8000) != 0;
  unsigned opcode = (flags >> 11) & 0xF;
  if (is_response || opcode != 0 || read16(data + 4) != 1) return std::nullopt;
  DnsQuestion q;
  q.id = read16(data);
  q.recursion_desired = (flags & 0x0100) != 0;
  size_t at = kHeaderSize;
  while (true) {
    if (at >= length) return std::nullopt;
    uint8_t label = data[at++];
    if (label == 0) break;
    if (label > 63 || at + label > length) return std::nullopt;  // compression or overrun
    if (!q.name.empty()) q.name += '.';
    q.name.append(reinterpret_cast<const char*>(data + at), label);
    if (q.name.size() > 253) return std::nullopt;
    at += label;
  }
  if (at + 4 > length) return std::nullopt;
  q.type = read16(data + at);
  q.qclass = read16(data + at + 2);
  q.question_end = at + 4;
  return q;
}

std::vector<uint8_t> build_response(const uint8_t* query, const DnsQuestion& question, Rcode rcode,
                                    const std::vector<std::vector<uint8_t>>& addresses,
                                    uint32_t ttl) {
  std::vector<uint8_t> out;
  put16(out, question.id);
  // QR, RD as asked, RA; the rcode.
  put16(out, static_cast<uint16_t>(0x8000 | (question.recursion_desired ? 0x0100 : 0) | 0x0080 |
                                   static_cast<uint8_t>(rcode)));
  put16(out, 1);
  put16(out, static_cast<uint16_t>(addresses.size()));
  put16(out, 0);
  put16(out, 0);
  out.insert(out.end(), query + kHeaderSize, query + question.question_end);
  for (const std::vector<uint8_t>& address : addresses) {
    put16(out, 0xC000 | kHeaderSize);  // the question's name
    put16(out, question.type);
    put16(out, kClassIn);
    put16(out, static_cast<uint16_t>(ttl >> 16));
    put16(out, static_cast<uint16_t>(ttl));
    put16(out, static_cast<uint16_t>(address.size()));
    out.insert(out.end(), address.begin(), address.end());
  }
  return out;
}

}  // namespace socks4::supervisor
