// sockd's identd check (RFC 1413) against a scripted identd. Each test runs in a private
// network namespace (PrivateNetwork), where it owns 127.0.0.1:113: sockd, its client, the
// destination and the identd all live there, and no real identd is ever asked.
#include <gtest/gtest.h>

#include <memory>

#include "../support/identd_private_net.h"
#include "../support/identd_scripted.h"
#include "../support/loopback_server.h"
#include "../support/sockd_process.h"
#include "../support/socks_client.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kLogBound{5000};

IdentdScript answering(std::string user) {
  return {[user](const std::string& query) { return userid_answer(query, user); }, false};
}

class IdentdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    network_ = std::make_unique<PrivateNetwork>();
    ASSERT_TRUE(network_->ok()) << network_->error();
    echo_ = std::make_unique<LoopbackServer>(echo_handler);
  }

  void TearDown() override {
    if (HasFailure() && sockd_) std::cerr << "--- sockd stderr:\n" << sockd_->log() << "---\n";
    // Everything made inside the namespace goes before the thread leaves it.
    sockd_.reset();
    identd_.reset();
    echo_.reset();
    network_.reset();
  }

  void start_sockd(const std::string& config, std::vector<std::string> extra_args = {"-t", "2"}) {
    SockdOptions options = with_config(config);
    options.extra_args = std::move(extra_args);
    sockd_ = std::make_unique<SockdProcess>(options);
    ASSERT_TRUE(sockd_->start()) << sockd_->error();
  }

  void start_identd(IdentdScript script) {
    identd_ = std::make_unique<ScriptedIdentd>("127.0.0.1", std::move(script));
    ASSERT_TRUE(identd_->listening());
  }

  // A CONNECT to the echo server as `user`; the reply code, or 0 if there was no reply.
  int request_as(const std::string& user, uint16_t* client_port = nullptr) {
    UniqueFd fd = send_request(sockd_->port(), connect_request("127.0.0.1", echo_->port(), user));
    if (!fd) return 0;
    if (client_port) *client_port = local_port(fd.get());
    auto reply = read_reply(fd.get());
    return reply ? static_cast<int>(reply->code) : 0;
  }

  std::unique_ptr<PrivateNetwork> network_;
  std::unique_ptr<LoopbackServer> echo_;
  std::unique_ptr<ScriptedIdentd> identd_;
  std::unique_ptr<SockdProcess> sockd_;
};

TEST_F(IdentdTest, StrictGrantsTheUserIdentdNames) {
  ASSERT_NO_FATAL_FAILURE(start_identd(answering("alice")));
  ASSERT_NO_FATAL_FAILURE(start_sockd("identd strict\npermit 127.0.0.0/8\n"));
  uint16_t client_port = 0;
  EXPECT_EQ(request_as("alice", &client_port), 90);
  // RFC 1413: the port on the identd's side (the client's) first, then sockd's.
  ASSERT_EQ(identd_->queries(), 1);
  EXPECT_EQ(identd_->query_lines()[0],
            std::to_string(client_port) + " , " + std::to_string(sockd_->port()));
  EXPECT_TRUE(sockd_->wait_for_log("identd: user alice (UNIX)", kLogBound));
}

TEST_F(IdentdTest, QueryComesFromTheAddressTheClientReached) {
  identd_ = std::make_unique<ScriptedIdentd>("127.0.0.2", answering("alice"));
  ASSERT_TRUE(identd_->listening());
  SockdOptions options = with_config("identd strict\npermit 127.0.0.0/8\n");
  options.listen = "127.0.0.3:0";
  sockd_ = std::make_unique<SockdProcess>(options);
  ASSERT_TRUE(sockd_->start()) << sockd_->error();
  // The client comes from 127.0.0.2 to sockd on 127.0.0.3.
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in from = make_address(parse_ipv4("127.0.0.2"), 0);
  sockaddr_in to = make_address(parse_ipv4("127.0.0.3"), sockd_->port());
  ASSERT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&from), sizeof from), 0);
  ASSERT_EQ(connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  set_io_timeout(fd.get(), kIoTimeout);
  ASSERT_TRUE(send_all(fd.get(), connect_request("127.0.0.1", echo_->port(), "alice")));
  auto reply = read_reply(fd.get());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kGranted);
  ASSERT_EQ(identd_->queries(), 1);
  EXPECT_EQ(identd_->query_sources()[0], "127.0.0.3");
}

TEST_F(IdentdTest, StrictAnotherUserIs93) {
  ASSERT_NO_FATAL_FAILURE(start_identd(answering("mallory")));
  ASSERT_NO_FATAL_FAILURE(start_sockd("identd strict\npermit 127.0.0.0/8\n"));
  EXPECT_EQ(request_as("alice"), 93);
  EXPECT_TRUE(sockd_->wait_for_log("identd reports another user", kLogBound));
}

TEST_F(IdentdTest, LooseAnotherUserIs93) {
  ASSERT_NO_FATAL_FAILURE(start_identd(answering("mallory")));
  ASSERT_NO_FATAL_FAILURE(start_sockd("identd loose\npermit 127.0.0.0/8\n"));
  EXPECT_EQ(request_as("alice"), 93);
}

TEST_F(IdentdTest, StrictWithoutIdentdIs92) {
  ASSERT_NO_FATAL_FAILURE(start_sockd("identd strict\npermit 127.0.0.0/8\n"));
  EXPECT_EQ(request_as("alice"), 92);
  EXPECT_TRUE(sockd_->wait_for_log("identd: no answer (Connection refused)", kLogBound));
}

TEST_F(IdentdTest, LooseWithoutIdentdIsGranted) {
  ASSERT_NO_FATAL_FAILURE(start_sockd("identd loose\npermit 127.0.0.0/8\n"));
  EXPECT_EQ(request_as("alice"), 90);
}

TEST_F(IdentdTest, ErrorAnswerIs92WhenStrictAndToleratedWhenLoose) {
  ASSERT_NO_FATAL_FAILURE(start_identd(
      {[](const std::string& query) { return query + " : ERROR : HIDDEN-USER\r\n"; }, false}));
  ASSERT_NO_FATAL_FAILURE(start_sockd("permit ?=I *=strict 127.0.0.0/8\npermit ?=i 127.0.0.0/8\n"));
  EXPECT_EQ(request_as("strict"), 92);
  EXPECT_EQ(request_as("loose"), 90);
  EXPECT_TRUE(sockd_->wait_for_log("identd: ERROR HIDDEN-USER", kLogBound));
}

struct BadAnswer {
  const char* name;
  std::string bytes;  // "" = the query echoed with a wrong port
  const char* logged;
};

class IdentdBadAnswerTest : public IdentdTest, public ::testing::WithParamInterface<BadAnswer> {};

TEST_P(IdentdBadAnswerTest, CountsAsNoAnswer) {
  const BadAnswer& bad = GetParam();
  ASSERT_NO_FATAL_FAILURE(start_identd({[&bad](const std::string& query) {
                                          if (!bad.bytes.empty()) return bad.bytes;
                                          // The ports swapped: an answer about another connection.
                                          size_t comma = query.find(',');
                                          return query.substr(comma + 2) + " , " +
                                                 query.substr(0, comma - 1) +
                                                 " : USERID : UNIX : alice\r\n";
                                        },
                                        false}));
  ASSERT_NO_FATAL_FAILURE(start_sockd("permit ?=I *=alice 127.0.0.0/8\npermit ?=i 127.0.0.0/8\n"));
  EXPECT_EQ(request_as("alice"), 92);
  EXPECT_EQ(request_as("bob"), 90);
  EXPECT_TRUE(sockd_->wait_for_log(bad.logged, kLogBound));
}

INSTANTIATE_TEST_SUITE_P(
    Answers, IdentdBadAnswerTest,
    ::testing::Values(BadAnswer{"Garbage", "HTTP/1.0 400 Bad Request\r\n\r\n",
                                "not an identd answer"},
                      BadAnswer{"TooLong", std::string(4096, 'x'), "longer than 1024 bytes"},
                      BadAnswer{"NoCrLf", "1 , 2 : USERID : UNIX : alice", "not ended by CR LF"},
                      BadAnswer{"PortMismatch", "", "instead of"}),
    [](const ::testing::TestParamInfo<BadAnswer>& info) { return info.param.name; });

TEST_F(IdentdTest, SilentIdentdIsBoundedByTheIdentdTimeout) {
  ASSERT_NO_FATAL_FAILURE(start_identd({nullptr, true}));
  ASSERT_NO_FATAL_FAILURE(start_sockd("identd strict\ntimeout identd 1\npermit 127.0.0.0/8\n"));
  EXPECT_EQ(request_as("alice"), 92);  // well within the client's 15 s read timeout
  EXPECT_TRUE(sockd_->wait_for_log("no answer within the identd timeout", kLogBound));
}

TEST_F(IdentdTest, RuleModeOverridesTheGlobalMode) {
  ASSERT_NO_FATAL_FAILURE(
      start_sockd("identd strict\npermit ?=n *=free 127.0.0.0/8\n"
                  "permit 127.0.0.0/8\n"));
  EXPECT_EQ(request_as("free"), 90);
  EXPECT_EQ(request_as("other"), 92);
}

TEST_F(IdentdTest, PerRuleStrictWithGlobalNone) {
  ASSERT_NO_FATAL_FAILURE(start_sockd("permit ?=I 127.0.0.0/8\n"));
  EXPECT_EQ(request_as("alice"), 92);
}

TEST_F(IdentdTest, NotAskedWhenNoRuleNeedsIt) {
  ASSERT_NO_FATAL_FAILURE(start_identd(answering("mallory")));
  ASSERT_NO_FATAL_FAILURE(start_sockd("permit ?=n 127.0.0.0/8\n"));
  EXPECT_EQ(request_as("alice"), 90);
  EXPECT_EQ(identd_->queries(), 0);
}

TEST_F(IdentdTest, UserListsMatchTheIdentdUser) {
  ASSERT_NO_FATAL_FAILURE(start_identd(answering("root")));
  // The first rule only makes identd needed; the second lists the identd user, not the USERID.
  ASSERT_NO_FATAL_FAILURE(start_sockd("deny ?=I 10.0.0.0/8\npermit ?=n *=root 127.0.0.0/8\n"));
  EXPECT_EQ(request_as("someone"), 90);
  identd_.reset();
  ASSERT_NO_FATAL_FAILURE(start_identd(answering("nobody")));
  EXPECT_EQ(request_as("someone"), 91);
}

TEST_F(IdentdTest, CommandLineFlagsSetTheGlobalMode) {
  ASSERT_NO_FATAL_FAILURE(start_sockd("identd none\npermit 127.0.0.0/8\n", {"-t", "1", "-I"}));
  EXPECT_EQ(request_as("alice"), 92);
  ASSERT_NO_FATAL_FAILURE(start_identd(answering("mallory")));
  ASSERT_NO_FATAL_FAILURE(start_sockd("identd none\npermit 127.0.0.0/8\n", {"-t", "1", "-i"}));
  EXPECT_EQ(request_as("alice"), 93);
}

}  // namespace
}  // namespace socks4::test

namespace socks4::test {
namespace {

// Behind a load balancer (PROXY header from 127.0.0.2, a proxy_from address) the query goes
// to the client the header reports, and names the ports of the client's own connection: its
// port and the one it reached on the balancer.
TEST_F(IdentdTest, ProxiedClientIsAskedAtTheReportedAddress) {
  identd_ = std::make_unique<ScriptedIdentd>("127.0.0.5", answering("alice"));
  ASSERT_TRUE(identd_->listening());
  SockdOptions options = with_config(
      "listen 127.0.0.1:0 proxy_protocol\nproxy_from 127.0.0.2/32\nidentd strict\n"
      "permit 127.0.0.0/8\n");
  options.listen.clear();
  sockd_ = std::make_unique<SockdProcess>(options);
  ASSERT_TRUE(sockd_->start()) << sockd_->error();
  UniqueFd fd = connect_tcp_from("127.0.0.2", "127.0.0.1", sockd_->port(), kLogBound, kIoTimeout);
  ASSERT_TRUE(fd);
  const std::string header = "PROXY TCP4 127.0.0.5 127.0.0.9 40000 1081\r\n";
  ASSERT_TRUE(send_all(fd.get(), header));
  ASSERT_TRUE(send_all(fd.get(), connect_request("127.0.0.1", echo_->port(), "alice")));
  auto reply = read_reply(fd.get());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kGranted);
  ASSERT_EQ(identd_->queries(), 1);
  EXPECT_EQ(identd_->query_lines()[0], "40000 , 1081");
  EXPECT_EQ(identd_->query_sources()[0], "127.0.0.1");
  EXPECT_TRUE(sockd_->wait_for_log("127.0.0.5:40000 identd: user alice", kLogBound))
      << sockd_->log();
}

}  // namespace
}  // namespace socks4::test
