// sockd's admission step (server/admission.h): the verdict, the usable addresses in order and
// the one shell command of a request, as sockd.conf(5) "HOW A REQUEST IS MATCHED" and "SHELL
// COMMANDS" say. Literals only: no sockets, no resolver.
#include "../../server/admission.h"

#include <gtest/gtest.h>

#include "sockd_conf_test_support.h"

namespace sockd {
namespace {

using socks4::IpAddress;
using socks4::ReplyCode;
using socks4::conf::testing::joined_errors;
using socks4::conf::testing::parse_text;

constexpr uint32_t kClient = 0x0a000001;  // 10.0.0.1

socks4::conf::Config config_of(const std::string& text) {
  socks4::conf::ParseOutcome outcome = parse_text(text);
  EXPECT_TRUE(outcome.config) << joined_errors(outcome);
  return outcome.config.value_or(socks4::conf::Config{});
}

socks4::Request plain(uint32_t ip, uint16_t port, const std::string& user = "alice") {
  return {socks4::Command::kConnect, port, ip, user, ""};
}

socks4::Request by_name(const std::string& name, uint16_t port, const std::string& user = "alice") {
  return {socks4::Command::kConnect, port, 1, user, name};
}

AdmissionRequest request_of(const socks4::Request& request, const IdentdResult* identd = nullptr) {
  return admission_request(request, IpAddress::ipv4(kClient), identd);
}

Endpoint v4(uint32_t ip, uint16_t port = 0) {
  return Endpoint::ipv4(ip, port);
}

Endpoint v6_documentation(uint8_t last, uint16_t port = 0) {  // 2001:db8::<last>
  std::array<uint8_t, 16> bytes{0x20, 0x01, 0x0d, 0xb8};
  bytes[15] = last;
  return Endpoint::from_ip(IpAddress::ipv6(bytes), port);
}

std::string what_runs(const Admission& admission) {
  return admission.command.text ? admission.command.what + ": " + *admission.command.text : "";
}

TEST(Admission, PlainRequestPermittedGoesToDstip) {
  auto config = config_of("deny 0.0.0.0/0 192.0.2.9/32\npermit 10.0.0.0/8 : log %z\n");
  Admission admission =
      admit_address(config, request_of(plain(0xc0000201, 80)), v4(0xc0000201, 80));
  EXPECT_TRUE(admission.permitted());
  EXPECT_EQ(admission.refusal, "");
  ASSERT_TRUE(admission.rule);
  EXPECT_EQ(admission.rule->line, 2);
  ASSERT_EQ(admission.addresses.size(), 1u);
  EXPECT_EQ(admission.addresses[0].to_string(), "192.0.2.1:80");
  EXPECT_EQ(what_runs(admission), "rule line 2: log %z");
  EXPECT_EQ(admission.command.destination, IpAddress::ipv4(0xc0000201));
}

TEST(Admission, PlainRequestDeniedRunsTheDenyCommand) {
  auto config = config_of("deny 0.0.0.0/0 192.0.2.9/32 : alert %u\npermit 10.0.0.0/8\n");
  Admission admission =
      admit_address(config, request_of(plain(0xc0000209, 80)), v4(0xc0000209, 80));
  EXPECT_EQ(admission.code, ReplyCode::kRejected);
  EXPECT_EQ(admission.refusal, "denied by rule, line 1");
  EXPECT_TRUE(admission.addresses.empty());
  EXPECT_EQ(what_runs(admission), "rule line 1: alert %u");
}

TEST(Admission, NeverAllowedDestinationRunsNothing) {
  auto config = config_of("permit 0.0.0.0/0 : log %z\n");
  Admission admission =
      admit_address(config, request_of(plain(0xe0000001, 80)), v4(0xe0000001, 80));
  EXPECT_EQ(admission.code, ReplyCode::kRejected);
  EXPECT_EQ(admission.refusal, "destination 224.0.0.1 is never allowed (multicast 224.0.0.0/4)");
  EXPECT_EQ(what_runs(admission), "");
}

TEST(Admission, StrictIdentdWithoutAnswerIs92WithItsCommand) {
  auto config = config_of("#NO_IDENTD: no-identd %u\npermit ?=I 0.0.0.0/0\n");
  IdentdResult identd;
  identd.failure = "Connection refused";
  Admission admission =
      admit_address(config, request_of(plain(0xc0000201, 80), &identd), v4(0xc0000201, 80));
  EXPECT_EQ(admission.code, ReplyCode::kNoIdentd);
  EXPECT_EQ(admission.refusal, "no user from identd: Connection refused; strict identd, line 2");
  EXPECT_EQ(what_runs(admission), "#NO_IDENTD:: no-identd %u");
}

TEST(Admission, IdentdNotAskedOrAnsweringErrorSaysSo) {
  auto config = config_of("permit ?=I 0.0.0.0/0\n");
  EXPECT_EQ(admit_address(config, request_of(plain(0xc0000201, 80)), v4(0xc0000201, 80)).refusal,
            "no user from identd: identd not asked; strict identd, line 1");
  IdentdResult identd;
  identd.answered = true;
  identd.answer.kind = socks4::identd::AnswerKind::kError;
  identd.answer.detail = "HIDDEN-USER";
  EXPECT_EQ(
      admit_address(config, request_of(plain(0xc0000201, 80), &identd), v4(0xc0000201, 80)).refusal,
      "no user from identd: identd answered ERROR HIDDEN-USER; strict identd, line 1");
}

TEST(Admission, IdentdNamingAnotherUserIs93WithItsCommand) {
  auto config = config_of("#BAD_ID: bad-id %U %u\npermit ?=i 0.0.0.0/0\n");
  IdentdResult identd;
  identd.answered = true;
  identd.answer.kind = socks4::identd::AnswerKind::kUser;
  identd.answer.user = "mallory";
  AdmissionRequest request = request_of(plain(0xc0000201, 80), &identd);
  EXPECT_EQ(request.input.identd_user, "mallory");
  Admission admission = admit_address(config, std::move(request), v4(0xc0000201, 80));
  EXPECT_EQ(admission.code, ReplyCode::kIdentMismatch);
  EXPECT_EQ(what_runs(admission), "#BAD_ID:: bad-id %U %u");
}

TEST(Admission, NameAloneIsDecidedBeforeItIsResolved) {
  auto config = config_of("deny 0.0.0.0/0 .blocked.test : blocked %z\npermit 0.0.0.0/0\n");
  Admission denied = admit_name(config, request_of(by_name("www.blocked.test", 80)));
  EXPECT_EQ(denied.code, ReplyCode::kRejected);
  EXPECT_EQ(denied.refusal, "denied by rule, line 1");
  EXPECT_EQ(what_runs(denied), "rule line 1: blocked %z");
  EXPECT_EQ(denied.command.destination, std::nullopt);  // %z is the name
  Admission permitted = admit_name(config, request_of(by_name("www.example.test", 80)));
  EXPECT_TRUE(permitted.permitted());
  EXPECT_TRUE(permitted.addresses.empty());  // the name is still to be resolved
}

TEST(Admission, ResolvedAddressesAreDecidedOneByOneInOrder) {
  auto config =
      config_of("deny 0.0.0.0/0 192.0.2.2/32 : deny-cmd %z\npermit 0.0.0.0/0 : permit-cmd %z\n");
  Admission admission =
      admit_resolved(config, request_of(by_name("multi.test", 8080)),
                     {v4(0xc0000202), v4(0xc0000203), v6_documentation(1), v4(0xc0000201)}, false);
  EXPECT_TRUE(admission.permitted());
  ASSERT_EQ(admission.addresses.size(), 3u);
  EXPECT_EQ(admission.addresses[0].to_string(), "192.0.2.3:8080");
  EXPECT_EQ(admission.addresses[1].to_string(), "[2001:db8::1]:8080");
  EXPECT_EQ(admission.addresses[2].to_string(), "192.0.2.1:8080");
  // The first permit's command, with the address it was decided on; the denial before it is
  // kept as the reason a BIND without an IPv4 address would give.
  EXPECT_EQ(what_runs(admission), "rule line 2: permit-cmd %z");
  EXPECT_EQ(admission.command.destination, IpAddress::ipv4(0xc0000203));
  EXPECT_EQ(admission.refusal, "denied by rule, line 1");
}

TEST(Admission, NoAddressPermittedGivesTheFirstDenial) {
  auto config = config_of(
      "deny 0.0.0.0/0 192.0.2.2/32 : first %z\n"
      "permit ?=I 0.0.0.0/0 192.0.2.3/32\n"
      "#NO_IDENTD: no-identd %z\n");
  Admission admission = admit_resolved(config, request_of(by_name("multi.test", 80)),
                                       {v4(0xc0000203), v4(0xc0000202)}, false);
  EXPECT_EQ(admission.code, ReplyCode::kNoIdentd);  // the first refused address's reply
  EXPECT_TRUE(admission.addresses.empty());
  EXPECT_EQ(admission.refusal, "no user from identd: identd not asked; strict identd, line 2");
  EXPECT_EQ(what_runs(admission), "#NO_IDENTD:: no-identd %z");
  EXPECT_EQ(admission.command.destination, IpAddress::ipv4(0xc0000203));
}

TEST(Admission, AfterTheNameWasPermittedNoCommandRunsAndARefusalIs91) {
  auto config = config_of("permit ?=I 0.0.0.0/0 192.0.2.3/32 : never\npermit 0.0.0.0/0 : never\n");
  Admission refused = admit_resolved(config, request_of(by_name("multi.test", 80)),
                                     {v4(0xc0000203), v4(0xe0000001)}, true);
  EXPECT_EQ(refused.code, ReplyCode::kRejected);
  EXPECT_EQ(refused.refusal, "no user from identd: identd not asked; strict identd, line 1");
  EXPECT_EQ(what_runs(refused), "");
  Admission permitted =
      admit_resolved(config, request_of(by_name("multi.test", 80)), {v4(0xc0000201)}, true);
  EXPECT_TRUE(permitted.permitted());
  EXPECT_EQ(what_runs(permitted), "");
}

TEST(Admission, NoUsableAddressIsA91WithoutReason) {
  auto config = config_of("permit 0.0.0.0/0 : never\n");
  Admission admission =
      admit_resolved(config, request_of(by_name("empty.test", 80)), {Endpoint{}}, false);
  EXPECT_EQ(admission.code, ReplyCode::kRejected);
  EXPECT_EQ(admission.refusal, "");
  EXPECT_EQ(what_runs(admission), "");
}

TEST(Admission, RequestCarriesWhatTheRulesAndCommandsSee) {
  AdmissionRequest request = request_of(by_name("www.example.test", 443, "bob"));
  EXPECT_EQ(request.input.command, socks4::Command::kConnect);
  EXPECT_EQ(request.input.source, IpAddress::ipv4(kClient));
  EXPECT_EQ(request.input.destination, std::nullopt);
  EXPECT_EQ(request.input.destination_name, "www.example.test");
  EXPECT_EQ(request.input.destination_port, 443);
  EXPECT_EQ(request.input.user, "bob");
  EXPECT_EQ(request.input.identd_user, "");
  EXPECT_EQ(request.identd_failure, "");
}

}  // namespace
}  // namespace sockd
