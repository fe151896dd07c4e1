// sockd chained to next-hop SOCKS servers on loopback: `first` resolves nothing (its DNS stub
// answers NXDOMAIN) and has `next_hop` pointing at `second`, whose stub resolves far.test. A
// 4a name only the second resolves is passed on; an outbound-file line routes by address; a
// dead first next hop fails over to the second; a BIND follows its primary CONNECT through the
// chain; the first's rules still deny.
#include <gtest/gtest.h>
#include <signal.h>

#include <sys/socket.h>

#include <memory>

#include "../support/bind_client.h"
#include "../support/dns_stub.h"
#include "../support/identd_private_net.h"
#include "../support/identd_scripted.h"
#include "../support/loopback_server.h"
#include "../support/sockd_process.h"
#include "../support/socket_io.h"
#include "../support/socks_client.h"
#include "../support/temp_dir.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kBound{10000};
constexpr const char* kBody = "far side\n";

class NextHopTest : public ::testing::Test {
 protected:
  // A sockd resolving through `stub`, with `config` after the resolver lines.
  std::unique_ptr<SockdProcess> start(DnsStub& stub, const std::string& name,
                                      const std::string& config) {
    SockdOptions options;
    options.full_config = "hosts_file " + files_.write(name + ".hosts", "127.0.0.1 localhost\n") +
                          "\nresolv_conf " +
                          files_.write(name + ".resolv", stub.resolv_conf(1, 1)) +
                          "\ntimeout connect 5\ntimeout negotiate 5\n" + config;
    auto sockd = std::make_unique<SockdProcess>(options);
    EXPECT_TRUE(sockd->start()) << sockd->error();
    return sockd;
  }

  // second: resolves far.test. first: resolves nothing (its config names second_hop()).
  void start_second(const std::string& config = "permit 127.0.0.0/8\n") {
    second_ = start(resolving_, "second", config);
    ASSERT_NE(second_->port(), 0);
  }
  void start_first(const std::string& config) {
    first_ = start(nothing_, "first", config);
    ASSERT_NE(first_->port(), 0);
  }

  std::string second_hop() const { return "127.0.0.1:" + std::to_string(second_->port()); }

  CommandResult curl(const std::string& scheme, const std::string& host, uint16_t port,
                     const std::string& user = "alice") {
    return run_command({"curl", "--silent", "--show-error", "--max-time", "10", "--proxy",
                        scheme + "://" + user + "@127.0.0.1:" + std::to_string(first_->port()),
                        "http://" + host + ":" + std::to_string(port) + "/"},
                       milliseconds(20000));
  }

  void TearDown() override {
    if (!HasFailure()) return;
    if (first_) std::cerr << "--- first sockd:\n" << first_->log();
    if (second_) std::cerr << "--- second sockd:\n" << second_->log();
  }

  TempDir files_;
  DnsStub nothing_{DnsStub::Table{}};
  DnsStub resolving_{DnsStub::Table{{"far.test", {"127.0.0.1"}}, {"v6.test", {"::1"}}}};
  LoopbackServer web_{http_handler(kBody)};
  std::unique_ptr<SockdProcess> first_, second_;
};

TEST_F(NextHopTest, Socks4aNameOnlyTheNextHopResolves) {
  ASSERT_NO_FATAL_FAILURE(start_second());
  ASSERT_NO_FATAL_FAILURE(start_first("permit 127.0.0.0/8\nnext_hop " + second_hop() + "\n"));
  CommandResult r = curl("socks4a", "far.test", web_.port());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kBody);
  EXPECT_TRUE(first_->wait_for_log("via " + second_hop() + " (next_hop)", kBound)) << first_->log();
  EXPECT_FALSE(
      second_->log_lines_with({"far.test:" + std::to_string(web_.port()), "(127.0.0.1) -> granted"})
          .empty());
  EXPECT_FALSE(second_->log_lines_with({"user=alice"}).empty()) << "the user is sent on";
}

// Not only NXDOMAIN: a resolver that fails (SERVFAIL) or a sockd without a nameserver passes
// the name on too.
TEST_F(NextHopTest, ServfailAndNoNameserverPassTheNameOn) {
  ASSERT_NO_FATAL_FAILURE(start_second());
  DnsStub servfail(DnsStub::Mode::kServfail);
  first_ = start(servfail, "first", "permit 127.0.0.0/8\nnext_hop " + second_hop() + "\n");
  ASSERT_NE(first_->port(), 0);
  CommandResult r = curl("socks4a", "far.test", web_.port());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kBody);
  EXPECT_GT(servfail.queries(), 0);

  SockdOptions options;
  options.full_config = "hosts_file " + files_.write("empty.hosts", "127.0.0.1 localhost\n") +
                        "\nresolv_conf " + files_.write("empty.resolv", "") +
                        "\npermit 127.0.0.0/8\nnext_hop " + second_hop() + "\n";
  first_ = std::make_unique<SockdProcess>(options);
  ASSERT_TRUE(first_->start()) << first_->error();
  r = curl("socks4a", "far.test", web_.port());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kBody);
  EXPECT_TRUE(first_->wait_for_log("via " + second_hop() + " (next_hop)", kBound)) << first_->log();
}

TEST_F(NextHopTest, JsonEventsNameTheHop) {
  ASSERT_NO_FATAL_FAILURE(start_second());
  ASSERT_NO_FATAL_FAILURE(
      start_first("log_format json\npermit 127.0.0.0/8\nnext_hop " + second_hop() + "\n"));
  CommandResult r = curl("socks4a", "far.test", web_.port());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(first_->wait_for_log("\"via\":\"" + second_hop() + "\"", kBound)) << first_->log();
  EXPECT_FALSE(first_->log_lines_with({"\"result\":\"granted\"", "\"via\":"}).empty());
}

// The close line names what the client asked for, and the hop that carried it.
TEST_F(NextHopTest, CloseLineNamesTheDestinationAndTheHop) {
  ASSERT_NO_FATAL_FAILURE(start_second());
  ASSERT_NO_FATAL_FAILURE(start_first("permit 127.0.0.0/8\nnext_hop " + second_hop() + "\n"));
  CommandResult r = curl("socks4a", "far.test", web_.port());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string destination = "far.test:" + std::to_string(web_.port());
  EXPECT_TRUE(
      first_->wait_for_log(" close " + destination + " via " + second_hop() + ": sent", kBound))
      << first_->log();
}

TEST_F(NextHopTest, JsonCloseEventNamesTheDestinationAndTheHop) {
  ASSERT_NO_FATAL_FAILURE(start_second());
  ASSERT_NO_FATAL_FAILURE(
      start_first("log_format json\npermit 127.0.0.0/8\nnext_hop " + second_hop() + "\n"));
  CommandResult r = curl("socks4a", "far.test", web_.port());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(first_->wait_for_log("\"event\":\"close\"", kBound)) << first_->log();
  EXPECT_FALSE(
      first_
          ->log_lines_with({"\"event\":\"close\"",
                            "\"destination\":\"far.test:" + std::to_string(web_.port()) + "\"",
                            "\"via\":\"" + second_hop() + "\""})
          .empty())
      << first_->log();
}

TEST_F(NextHopTest, WithoutNextHopAnUnresolvableNameIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start_second());
  ASSERT_NO_FATAL_FAILURE(start_first("permit 127.0.0.0/8\n"));
  CommandResult r = curl("socks4a", "far.test", web_.port());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("(91)"), std::string::npos) << r.err;
}

TEST_F(NextHopTest, TheNextHopsRefusalIsTheClientsReply) {
  ASSERT_NO_FATAL_FAILURE(start_second("deny 127.0.0.0/8 far.test\npermit 127.0.0.0/8\n"));
  ASSERT_NO_FATAL_FAILURE(start_first("permit 127.0.0.0/8\nnext_hop " + second_hop() + "\n"));
  std::optional<Reply> reply;
  UniqueFd fd = open_relay(first_->port(), connect_request_4a("far.test", web_.port()), &reply);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kRejected);
  EXPECT_TRUE(first_->wait_for_log("rejected by next hop " + second_hop(), kBound));
  EXPECT_TRUE(second_->wait_for_log("denied by rule", kBound));
}

TEST_F(NextHopTest, RuleOnTheFirstStillDenies) {
  ASSERT_NO_FATAL_FAILURE(start_second());
  ASSERT_NO_FATAL_FAILURE(start_first("deny 127.0.0.0/8 far.test\npermit 127.0.0.0/8\nnext_hop " +
                                      second_hop() + "\n"));
  CommandResult r = curl("socks4a", "far.test", web_.port());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("(91)"), std::string::npos) << r.err;
  EXPECT_TRUE(first_->wait_for_log("denied by rule", kBound));
  EXPECT_TRUE(second_->log_lines_with({"far.test"}).empty()) << "nothing was passed on";
}

TEST_F(NextHopTest, OutboundFileRoutesAnAddressThroughTheNextHop) {
  ASSERT_NO_FATAL_FAILURE(start_second());
  const std::string outbound =
      files_.write("outbound", "sockd @=" + second_hop() + " 127.0.0.1/32 eq " +
                                   std::to_string(web_.port()) + "\ndirect 0.0.0.0/0\n");
  ASSERT_NO_FATAL_FAILURE(start_first("permit 127.0.0.0/8\noutbound " + outbound + "\n"));
  CommandResult r = curl("socks4", "127.0.0.1", web_.port());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kBody);
  EXPECT_TRUE(first_->wait_for_log("via " + second_hop() + " (" + outbound + " line 1)", kBound));
  EXPECT_TRUE(
      second_->wait_for_log("127.0.0.1:" + std::to_string(web_.port()) + " -> granted", kBound));
}

// A name that resolves to IPv6 only has no address the outbound file can name: its catch-all
// lines decide, so a file that denies everything is never bypassed.
TEST_F(NextHopTest, OutboundFileDecidesForANameWithIpv6AddressesOnly) {
  const std::string outbound = files_.write("outbound", "deny 0.0.0.0/0\n");
  first_ = start(resolving_, "first", "permit 127.0.0.0/8\noutbound " + outbound + "\n");
  ASSERT_NE(first_->port(), 0);
  std::optional<Reply> reply;
  UniqueFd fd = open_relay(first_->port(), connect_request_4a("v6.test", web_.port()), &reply);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kRejected);
  EXPECT_TRUE(first_->wait_for_log("rejected (denied by outbound " + outbound + " line 1)", kBound))
      << first_->log();
}

TEST_F(NextHopTest, OutboundFileIsReadAgainOnReload) {
  ASSERT_NO_FATAL_FAILURE(start_second());
  const std::string port = std::to_string(web_.port());
  const std::string outbound = files_.write(
      "outbound", "sockd @=" + second_hop() + " 127.0.0.1/32 eq " + port + "\ndirect 0.0.0.0/0\n");
  ASSERT_NO_FATAL_FAILURE(start_first("permit 127.0.0.0/8\noutbound " + outbound + "\n"));
  EXPECT_EQ(curl("socks4", "127.0.0.1", web_.port()).exit_code, 0);
  EXPECT_TRUE(first_->wait_for_log("via " + second_hop(), kBound));

  files_.write("outbound", "deny 127.0.0.1/32 eq " + port + "\ndirect 0.0.0.0/0\n");
  ASSERT_EQ(kill(first_->pid(), SIGHUP), 0);
  ASSERT_TRUE(first_->wait_for_log("SIGHUP: reloaded", kBound)) << first_->log();
  CommandResult r = curl("socks4", "127.0.0.1", web_.port());
  EXPECT_NE(r.err.find("(91)"), std::string::npos) << r.err;
  EXPECT_TRUE(
      first_->wait_for_log("rejected (denied by outbound " + outbound + " line 1)", kBound));

  // A mistake in the file is a configuration error at its line; the old routes stay.
  files_.write("outbound", "direct 0.0.0.0/0\nsockd @=" + second_hop() + " 10.0.0.0/33\n");
  ASSERT_EQ(kill(first_->pid(), SIGHUP), 0);
  ASSERT_TRUE(first_->wait_for_log("keeping the old configuration", kBound)) << first_->log();
  EXPECT_TRUE(first_->wait_for_log(outbound + ":2:", kBound)) << first_->log();
}

TEST_F(NextHopTest, DeadFirstNextHopFailsOverToTheSecond) {
  ASSERT_NO_FATAL_FAILURE(start_second());
  // A port nothing listens on: taken and closed.
  uint16_t dead_port = 0;
  {
    LoopbackServer dead{echo_handler};
    dead_port = dead.port();
  }
  const std::string dead_hop = "127.0.0.1:" + std::to_string(dead_port);
  ASSERT_NO_FATAL_FAILURE(
      start_first("permit 127.0.0.0/8\nnext_hop " + dead_hop + "," + second_hop() + "\n"));
  CommandResult r = curl("socks4a", "far.test", web_.port());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kBody);
  EXPECT_TRUE(first_->wait_for_log("via " + second_hop(), kBound));
  EXPECT_FALSE(first_->log_lines_with({"next hop " + dead_hop, "Connection refused"}).empty())
      << first_->log();
}

// A hop that answers garbage, and one that never answers, are skipped for the next: each gets
// its share of `timeout connect` (5 s here, so 5/3 s for the silent one).
TEST_F(NextHopTest, GarbageAndSilentNextHopsAreSkipped) {
  ASSERT_NO_FATAL_FAILURE(start_second());
  LoopbackServer garbage{[](int fd) { send_all(fd, "HTTP/1.0 400 Bad Request\r\n\r\n"); }};
  LoopbackServer silent{[](int fd) {
    char buffer[1024];
    while (recv(fd, buffer, sizeof buffer, 0) > 0) {
    }
  }};
  const std::string garbage_hop = "127.0.0.1:" + std::to_string(garbage.port());
  const std::string silent_hop = "127.0.0.1:" + std::to_string(silent.port());
  ASSERT_NO_FATAL_FAILURE(start_first("permit 127.0.0.0/8\nnext_hop " + garbage_hop + "," +
                                      silent_hop + "," + second_hop() + "\n"));
  CommandResult r = curl("socks4a", "far.test", web_.port());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kBody);
  EXPECT_TRUE(first_->wait_for_log("via " + second_hop(), kBound)) << first_->log();
  EXPECT_FALSE(first_
                   ->log_lines_with({"next hop " + garbage_hop + ": malformed reply",
                                     "next hop " + silent_hop + ": no reply in time"})
                   .empty())
      << first_->log();
}

TEST_F(NextHopTest, BindFollowsItsPrimaryThroughTheNextHop) {
  ASSERT_NO_FATAL_FAILURE(start_second());
  ASSERT_NO_FATAL_FAILURE(start_first("permit 127.0.0.0/8\nnext_hop " + second_hop() + "\n"));
  LoopbackServer app{echo_handler};
  // The primary CONNECT, by a name only the second resolves: its reply names the address.
  std::optional<Reply> reply;
  UniqueFd primary =
      open_relay(first_->port(), connect_request_4a("far.test", app.port(), "ftpuser"), &reply);
  ASSERT_TRUE(primary);
  ASSERT_EQ(reply_ip(*reply), "127.0.0.1");
  // The BIND to that address goes to the same hop; the first reply is where the hop listens.
  UniqueFd client = send_request(first_->port(), bind_request("127.0.0.1", 20, "ftpuser"));
  ASSERT_TRUE(client);
  std::optional<Reply> first_reply = read_reply(client.get());
  ASSERT_TRUE(first_reply);
  ASSERT_EQ(first_reply->code, ReplyCode::kGranted);
  EXPECT_TRUE(
      second_->wait_for_log("listening on 127.0.0.1:" + std::to_string(first_reply->port), kBound))
      << "the first reply is the next hop's";
  UniqueFd inbound = connect_from("127.0.0.1", reply_ip(*first_reply), first_reply->port);
  ASSERT_TRUE(inbound);
  std::optional<Reply> second_reply = read_reply(client.get());
  ASSERT_TRUE(second_reply);
  EXPECT_EQ(second_reply->code, ReplyCode::kGranted);
  EXPECT_EQ(second_reply->port, local_port(inbound.get()));
  ASSERT_TRUE(send_all(inbound.get(), "150 data\r\n"));
  auto data = recv_exact(client.get(), 10);
  ASSERT_TRUE(data);
  EXPECT_EQ(std::string(data->begin(), data->end()), "150 data\r\n");
  EXPECT_FALSE(first_->log_lines_with({"BIND user=ftpuser", "via " + second_hop()}).empty())
      << first_->log();
}

// A next hop that answers a 4a CONNECT with 0.0.0.0 (some do) and a BIND with 127.0.0.9:4242.
void zero_address_hop(int fd) {
  uint8_t byte = 0;
  std::vector<uint8_t> request;
  int nuls = 0;
  while (recv(fd, &byte, 1, 0) == 1) {
    request.push_back(byte);
    const bool is_4a = request.size() >= 8 && request[4] == 0 && request[5] == 0 &&
                       request[6] == 0 && request[7] != 0;
    if (request.size() > 8 && byte == 0 && ++nuls == (is_4a ? 2 : 1)) break;
  }
  if (request.size() < 9) return;
  const bool bind = request[1] == 2;
  const std::vector<uint8_t> reply = bind ? std::vector<uint8_t>{0, 90, 0x10, 0x92, 127, 0, 0, 9}
                                          : std::vector<uint8_t>{0, 90, 0, 0, 0, 0, 0, 0};
  send_all(fd, std::span<const uint8_t>(reply));
  char buffer[256];
  while (recv(fd, buffer, sizeof buffer, 0) > 0) {
  }
}

// The hop names no address for the 4a CONNECT: the client's BIND by the same name still
// follows its primary there, though the outbound file routes only the CONNECT's port.
TEST_F(NextHopTest, BindByNameFollowsAPrimaryTheHopAnsweredWithoutAddress) {
  LoopbackServer hop{zero_address_hop};
  const std::string hop_text = "127.0.0.1:" + std::to_string(hop.port());
  const std::string outbound =
      files_.write("outbound", "sockd @=" + hop_text + " far.test eq 21\ndirect 0.0.0.0/0\n");
  first_ = start(resolving_, "first", "permit 127.0.0.0/8\noutbound " + outbound + "\n");
  ASSERT_NE(first_->port(), 0);
  std::optional<Reply> reply;
  UniqueFd primary =
      open_relay(first_->port(), connect_request_4a("far.test", 21, "ftpuser"), &reply);
  ASSERT_TRUE(primary);
  ASSERT_EQ(reply->code, ReplyCode::kGranted);
  ASSERT_EQ(reply_ip(*reply), "0.0.0.0");

  UniqueFd client = send_request(first_->port(), bind_request_4a("far.test", 20, "ftpuser"));
  ASSERT_TRUE(client);
  std::optional<Reply> first_reply = read_reply(client.get());
  ASSERT_TRUE(first_reply);
  EXPECT_EQ(first_reply->code, ReplyCode::kGranted) << first_->log();
  EXPECT_EQ(reply_ip(*first_reply), "127.0.0.9") << "the first reply is the next hop's";
  EXPECT_EQ(first_reply->port, 4242);
  EXPECT_TRUE(
      first_->wait_for_log("BIND user=ftpuser far.test:20 (next hop listening on "
                           "127.0.0.9:4242) -> granted via " +
                               hop_text + " (primary CONNECT)",
                           kBound))
      << first_->log();
}

// The USERID sockd sends on to a next hop is identd's user when identd named one. Each test
// runs in a private network namespace (identd_private_net.h), where the scripted identd owns
// 127.0.0.1:113; the chain is as above (first resolves nothing, second resolves far.test).
class NextHopIdentdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    network_ = std::make_unique<PrivateNetwork>();
    ASSERT_TRUE(network_->ok()) << network_->error();
    files_ = std::make_unique<TempDir>();
    nothing_ = std::make_unique<DnsStub>(DnsStub::Table{});
    resolving_ = std::make_unique<DnsStub>(DnsStub::Table{{"far.test", {"127.0.0.1"}}});
    web_ = std::make_unique<LoopbackServer>(echo_handler);
    second_ = start(*resolving_, "second", "permit 127.0.0.0/8\n");
    ASSERT_NE(second_->port(), 0);
  }

  void TearDown() override {
    if (HasFailure()) {
      if (first_) std::cerr << "--- first sockd:\n" << first_->log();
      if (second_) std::cerr << "--- second sockd:\n" << second_->log();
    }
    // Everything made inside the namespace goes before the thread leaves it.
    first_.reset();
    second_.reset();
    identd_.reset();
    web_.reset();
    resolving_.reset();
    nothing_.reset();
    network_.reset();
  }

  std::unique_ptr<SockdProcess> start(DnsStub& stub, const std::string& name,
                                      const std::string& config) {
    SockdOptions options;
    options.full_config = "hosts_file " + files_->write(name + ".hosts", "127.0.0.1 localhost\n") +
                          "\nresolv_conf " +
                          files_->write(name + ".resolv", stub.resolv_conf(1, 1)) +
                          "\ntimeout connect 5\ntimeout negotiate 5\ntimeout identd 3\n" + config;
    auto sockd = std::make_unique<SockdProcess>(options);
    EXPECT_TRUE(sockd->start()) << sockd->error();
    return sockd;
  }

  void start_first(const std::string& rules, IdentdScript identd) {
    identd_ = std::make_unique<ScriptedIdentd>("127.0.0.1", std::move(identd));
    ASSERT_TRUE(identd_->listening());
    first_ = start(*nothing_, "first",
                   rules + "next_hop 127.0.0.1:" + std::to_string(second_->port()) + "\n");
    ASSERT_NE(first_->port(), 0);
  }

  // A 4a CONNECT to far.test (only the second resolves it) as `user`; the reply code or 0.
  int connect_as(const std::string& user) {
    std::optional<Reply> reply;
    UniqueFd fd =
        open_relay(first_->port(), connect_request_4a("far.test", web_->port(), user), &reply);
    return reply ? static_cast<int>(reply->code) : 0;
  }

  std::unique_ptr<PrivateNetwork> network_;
  std::unique_ptr<TempDir> files_;
  std::unique_ptr<DnsStub> nothing_, resolving_;
  std::unique_ptr<LoopbackServer> web_;
  std::unique_ptr<ScriptedIdentd> identd_;
  std::unique_ptr<SockdProcess> first_, second_;
};

// identd is asked (a rule may need it) but the permitting rule does not check it: the request
// is granted, and the hop is told identd's user, not the USERID the client chose.
TEST_F(NextHopIdentdTest, IdentdsUserIsSentOnNotTheUserid) {
  ASSERT_NO_FATAL_FAILURE(
      start_first("deny ?=I 10.0.0.0/8\npermit 127.0.0.0/8\n", answering_as("bob")));
  EXPECT_EQ(connect_as("alice"), 90);
  EXPECT_TRUE(first_->wait_for_log("identd: user bob", kBound));
  const std::string destination = "far.test:" + std::to_string(web_->port());
  EXPECT_TRUE(second_->wait_for_log("CONNECT user=bob " + destination, kBound)) << second_->log();
  EXPECT_TRUE(second_->log_lines_with({"user=alice"}).empty()) << second_->log();
}

// `identd loose`: another user is 93 and nothing reaches the hop; an identd that names no user
// (ERROR) is tolerated, and then the USERID is what is sent on.
TEST_F(NextHopIdentdTest, LooseRefusesAnotherUserAndSendsTheUseridWhenIdentdNamesNone) {
  ASSERT_NO_FATAL_FAILURE(start_first("identd loose\npermit 127.0.0.0/8\n", answering_as("bob")));
  EXPECT_EQ(connect_as("alice"), 93);
  EXPECT_TRUE(first_->wait_for_log("identd reports another user", kBound));

  identd_.reset();  // port 113 is free again
  identd_ = std::make_unique<ScriptedIdentd>("127.0.0.1", answering_error("HIDDEN-USER"));
  ASSERT_TRUE(identd_->listening());
  EXPECT_EQ(connect_as("alice"), 90);
  EXPECT_TRUE(second_->wait_for_log("CONNECT user=alice far.test:", kBound)) << second_->log();
  EXPECT_TRUE(second_->log_lines_with({"user=bob"}).empty()) << "the refused one never got there";
}

}  // namespace
}  // namespace socks4::test
