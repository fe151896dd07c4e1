#include "dns_stub.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "byte_stream.h"
#include "socket_io.h"

namespace socks4::test {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeAaaa = 28;
constexpr uint8_t kNxdomain = 3;
constexpr uint32_t kTtl = 60;

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

// The question's name in lower case, without the final dot.
std::string question_name(const uint8_t* query, size_t end) {
  std::string name;
  for (size_t at = kHeaderSize; at < end && query[at] != 0; at += 1 + query[at]) {
    if (!name.empty()) name += '.';
    for (size_t i = 1; i <= query[at] && at + i < end; ++i)
      name += static_cast<char>(std::tolower(query[at + i]));
  }
  return name;
}

void put16(std::vector<uint8_t>& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

}  // namespace

DnsStub::DnsStub(Table table) : mode_(Mode::kTable), table_(std::move(table)) {
  start();
}

DnsStub::DnsStub(Mode mode) : mode_(mode) {
  start();
}

void DnsStub::start() {
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

std::vector<DnsStub::Query> DnsStub::query_log() const {
  std::lock_guard lock(log_mutex_);
  return query_log_;
}

size_t DnsStub::answer_from_table(std::vector<uint8_t>& packet, size_t length) {
  const size_t end = question_end(packet.data(), length);
  if (end == 0) return 0;
  const uint16_t type = static_cast<uint16_t>(packet[end - 4] << 8 | packet[end - 3]);
  Query query{question_name(packet.data(), end), type};
  {
    std::lock_guard lock(log_mutex_);
    query_log_.push_back(query);
  }
  std::vector<uint8_t> reply(packet.begin(), packet.begin() + static_cast<ptrdiff_t>(end));
  reply[2] = static_cast<uint8_t>(0x80 | (reply[2] & 0x79));  // QR, opcode, RD
  reply[3] = 0x80;                                            // RA, NOERROR
  for (size_t i = 6; i < kHeaderSize; ++i) reply[i] = 0;
  auto found = table_.find(query.name);
  uint16_t answers = 0;
  if (found == table_.end()) {
    reply[3] |= kNxdomain;
  } else {
    for (const std::string& text : found->second) {
      std::array<uint8_t, 16> address{};
      size_t size = 0;
      if (type == kTypeA && inet_pton(AF_INET, text.c_str(), address.data()) == 1) size = 4;
      if (type == kTypeAaaa && inet_pton(AF_INET6, text.c_str(), address.data()) == 1) size = 16;
      if (size == 0) continue;
      put16(reply, 0xc000 | kHeaderSize);  // the question's name
      put16(reply, type);
      put16(reply, 1);  // IN
      put16(reply, kTtl >> 16);
      put16(reply, kTtl & 0xffff);
      put16(reply, static_cast<uint16_t>(size));
      reply.insert(reply.end(), address.begin(), address.begin() + static_cast<ptrdiff_t>(size));
      ++answers;
    }
  }
  reply[6] = static_cast<uint8_t>(answers >> 8);
  reply[7] = static_cast<uint8_t>(answers);
  if (reply.size() > packet.size()) return 0;
  std::copy(reply.begin(), reply.end(), packet.begin());
  return reply.size();
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
      case Mode::kTable:
        length = answer_from_table(packet, static_cast<size_t>(n));
        if (length == 0) continue;
        break;
    }
    sendto(socket_.get(), packet.data(), length, 0, reinterpret_cast<sockaddr*>(&from),
           from_length);
  }
}

}  // namespace socks4::test
