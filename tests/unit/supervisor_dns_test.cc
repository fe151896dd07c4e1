// The seccomp supervisor's DNS answers (supervisor/dns_message.h, dns_answers.h): queries read,
// responses written, and the placeholder decisions, which must be the preload's.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "../../supervisor/dns_answers.h"
#include "../../supervisor/dns_message.h"
#include "socks4/client_context.h"
#include "socks4/client_names.h"
#include "socks4/fake_names.h"

namespace socks4::supervisor {
namespace {

std::vector<uint8_t> query(const std::string& name, uint16_t type, uint16_t id = 0x1234) {
  std::vector<uint8_t> q = {
      static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    q.push_back(static_cast<uint8_t>(dot - start));
    q.insert(q.end(), name.begin() + static_cast<long>(start),
             name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  q.push_back(0);
  q.insert(q.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1});
  return q;
}

struct Parsed {
  uint16_t id = 0;
  unsigned rcode = 0;
  int answers = 0;
  std::vector<uint32_t> ipv4;  // host order
};

Parsed parse_response(const std::vector<uint8_t>& r, size_t question_end) {
  Parsed p;
  p.id = static_cast<uint16_t>((r[0] << 8) | r[1]);
  p.rcode = r[3] & 0xF;
  p.answers = (r[6] << 8) | r[7];
  size_t at = question_end;
  for (int i = 0; i < p.answers && at + 12 <= r.size(); ++i) {
    size_t length = static_cast<size_t>((r[at + 10] << 8) | r[at + 11]);
    if (length == 4) {
      uint32_t net;
      std::memcpy(&net, &r[at + 12], 4);
      p.ipv4.push_back(ntohl(net));
    }
    at += 12 + length;
  }
  return p;
}

void use_server() {
  client::ClientContext ctx;
  ctx.env.username = "tester";
  ctx.default_servers.push_back({"127.0.0.1", 1080});
  client::replace_context(ctx);
}

TEST(SupervisorDns, ReadsOneQuestion) {
  std::vector<uint8_t> q = query("Www.Example.Test", kTypeA);
  std::optional<DnsQuestion> parsed = parse_query(q.data(), q.size());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->id, 0x1234);
  EXPECT_EQ(parsed->name, "Www.Example.Test");
  EXPECT_EQ(parsed->type, kTypeA);
  EXPECT_EQ(parsed->question_end, q.size());
}

TEST(SupervisorDns, RefusesWhatIsNoStandardQuery) {
  std::vector<uint8_t> q = query("a.test", kTypeA);
  std::vector<uint8_t> response = q;
  response[2] |= 0x80;  // QR: a response
  EXPECT_FALSE(parse_query(response.data(), response.size()));
  std::vector<uint8_t> two = q;
  two[5] = 2;  // two questions
  EXPECT_FALSE(parse_query(two.data(), two.size()));
  std::vector<uint8_t> compressed = q;
  compressed[12] = 0xC0;  // a pointer where a label belongs
  EXPECT_FALSE(parse_query(compressed.data(), compressed.size()));
  EXPECT_FALSE(parse_query(q.data(), q.size() - 3));  // truncated
  EXPECT_TRUE(answer_query(q.data(), 11, ResolveMode::kRemote).empty());
}

TEST(SupervisorDns, RemoteNameGetsItsPlaceholder) {
  use_server();
  std::vector<uint8_t> q = query("only-fw.supervisor.test", kTypeA, 0xBEEF);
  std::vector<uint8_t> r = answer_query(q.data(), q.size(), ResolveMode::kRemote);
  ASSERT_GT(r.size(), q.size());
  Parsed p = parse_response(r, q.size());
  EXPECT_EQ(p.id, 0xBEEF);
  EXPECT_EQ(p.rcode, 0u);
  ASSERT_EQ(p.ipv4.size(), 1u);
  EXPECT_TRUE(is_fake_address(p.ipv4[0]));
  // The same entry the library's connect turns back into a 4a request.
  EXPECT_EQ(client::remote_name_of(p.ipv4[0]), "only-fw.supervisor.test");
  EXPECT_EQ(client::fake_address_for("only-fw.supervisor.test"), p.ipv4[0]);
}

TEST(SupervisorDns, RemoteNameHasNoIpv6Address) {
  use_server();
  std::vector<uint8_t> q = query("only-fw.supervisor.test", kTypeAaaa);
  Parsed p = parse_response(answer_query(q.data(), q.size(), ResolveMode::kRemote), q.size());
  EXPECT_EQ(p.rcode, 0u);
  EXPECT_EQ(p.answers, 0);
}

TEST(SupervisorDns, LocalhostIsAlwaysLocal) {
  use_server();
  std::vector<uint8_t> q = query("localhost", kTypeA);
  Parsed p = parse_response(answer_query(q.data(), q.size(), ResolveMode::kRemote), q.size());
  ASSERT_EQ(p.ipv4.size(), 1u);
  EXPECT_EQ(p.ipv4[0], 0x7F000001u);
}

TEST(SupervisorDns, WithoutAServerNamesStayLocal) {
  client::replace_context(client::ClientContext{});
  std::vector<uint8_t> q = query("nowhere.invalid", kTypeA);
  Parsed p = parse_response(answer_query(q.data(), q.size(), ResolveMode::kRemote), q.size());
  EXPECT_NE(p.rcode, 0u);  // NXDOMAIN (or SERVFAIL without a resolver): never a placeholder
  EXPECT_TRUE(p.ipv4.empty());
}

}  // namespace
}  // namespace socks4::supervisor
