// Resolver failures for SOCKS 4a names: a name server that never answers, answers SERVFAIL, or
// answers garbage. The client gets 91 within the time limit and a log line; names in the hosts
// file, plain SOCKS 4 requests and the bystander keep working while lookups hang. sockd's
// resolv.conf names only the scripted server on loopback ("nameserver 127.0.0.1:PORT").
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "../support/dns_stub.h"
#include "../support/loopback_server.h"
#include "../support/temp_dir.h"
#include "hostile_fixture.h"

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kLookups = 20;

class HostileDns : public HostileTest {
 protected:
  // sockd resolving through `stub` (evdns timeout `dns_timeout_s`, one attempt), with
  // `timeout connect` bounding each request.
  void start_with(DnsStub& stub, int dns_timeout_s, int connect_timeout_s) {
    ASSERT_NE(stub.port(), 0);
    SockdOptions options;
    options.full_config =
        "hosts_file " + files_.write("hosts", "127.0.0.1 only-sockd.test\n") + "\nresolv_conf " +
        files_.write("resolv.conf", stub.resolv_conf(dns_timeout_s, 1)) + "\ntimeout connect " +
        std::to_string(connect_timeout_s) + "\ntimeout negotiate 5\npermit 127.0.0.0/8\n";
    ASSERT_NO_FATAL_FAILURE(start_sockd(options));
    bystander_ = std::make_unique<Bystander>(port());
    ASSERT_TRUE(bystander_->error().empty()) << bystander_->error();
  }

  // kLookups concurrent 4a requests for names the hosts file does not know; each must get 91
  // within `bound`. Meanwhile a hosts-file name and a plain request are relayed.
  void expect_lookups_fail(milliseconds bound) {
    LoopbackServer echo(echo_handler);
    std::vector<std::future<Outcome>> lookups;
    const auto begun = Clock::now();
    for (int i = 0; i < kLookups; ++i) {
      auto request = connect_request_4a("host" + std::to_string(i) + ".nowhere.test", 80);
      lookups.push_back(std::async(std::launch::async, [this, request] {
        return offend(port(), request, Pace::kAtOnce, false, milliseconds(20000));
      }));
    }
    // While the lookups hang: a hosts-file name and an address are served at once.
    UniqueFd by_name = open_relay(port(), connect_request_4a("only-sockd.test", echo.port()));
    EXPECT_TRUE(by_name) << "a hosts-file name waited for the dead resolver";
    UniqueFd by_address = open_relay(port(), connect_request("127.0.0.1", echo.port()));
    EXPECT_TRUE(by_address);
    for (auto& lookup : lookups) EXPECT_TRUE(rejected_with_91(lookup.get()));
    const auto took = Clock::now() - begun;
    EXPECT_LT(took, bound) << "the lookups were not bounded";
    std::cout << "[ measure  ] " << kLookups << " failed lookups answered in "
              << std::chrono::duration_cast<milliseconds>(took).count() << " ms\n";
    expect_bystander_intact();
  }

  TempDir files_;
};

TEST_F(HostileDns, SilentNameServerGives91AfterTheResolverTimeout) {
  DnsStub stub(DnsStub::Mode::kSilent);
  ASSERT_NO_FATAL_FAILURE(start_with(stub, 1, 30));
  ASSERT_NO_FATAL_FAILURE(expect_lookups_fail(milliseconds(10000)));
  EXPECT_GE(stub.queries(), kLookups) << "the queries did not reach the scripted server";
  EXPECT_EQ(sockd().log_lines_with({".nowhere.test:80 -> rejected (cannot resolve"}).size(),
            static_cast<size_t>(kLookups))
      << sockd().log();
}

TEST_F(HostileDns, SilentNameServerIsCutShortByTheConnectTimeout) {
  DnsStub stub(DnsStub::Mode::kSilent);
  ASSERT_NO_FATAL_FAILURE(start_with(stub, 30, 2));  // the resolver alone would wait 30 s
  ASSERT_NO_FATAL_FAILURE(expect_lookups_fail(milliseconds(10000)));
  EXPECT_GE(stub.queries(), kLookups);
  EXPECT_EQ(
      sockd().log_lines_with({".nowhere.test:80 -> rejected (connect timed out after 2s)"}).size(),
      static_cast<size_t>(kLookups))
      << sockd().log();
}

TEST_F(HostileDns, ServfailGives91) {
  DnsStub stub(DnsStub::Mode::kServfail);
  ASSERT_NO_FATAL_FAILURE(start_with(stub, 5, 30));
  ASSERT_NO_FATAL_FAILURE(expect_lookups_fail(milliseconds(10000)));
  EXPECT_GE(stub.queries(), kLookups);
  EXPECT_EQ(sockd().log_lines_with({".nowhere.test:80 -> rejected (cannot resolve"}).size(),
            static_cast<size_t>(kLookups))
      << sockd().log();
}

TEST_F(HostileDns, GarbageAnswersGive91) {
  DnsStub stub(DnsStub::Mode::kGarbage);
  ASSERT_NO_FATAL_FAILURE(start_with(stub, 1, 30));
  ASSERT_NO_FATAL_FAILURE(expect_lookups_fail(milliseconds(10000)));
  EXPECT_GE(stub.queries(), kLookups);
  EXPECT_EQ(sockd().log_lines_with({".nowhere.test:80 -> rejected (cannot resolve"}).size(),
            static_cast<size_t>(kLookups))
      << sockd().log();
}

// Lookups that time out mark the name server down, and evdns then probes it; a probe still in
// flight when sockd stops is cancelled through a callback only the event loop runs. Under the
// ASan build (SOCKD_BIN=<asan>/sockd, ASAN_OPTIONS=detect_leaks=1) memory left behind turns
// the exit status non-zero.
TEST_F(HostileDns, StopWithTimedOutLookupsAndAProbeInFlightLeavesNothingBehind) {
  constexpr size_t kTimedOut = 300;
  DnsStub stub(DnsStub::Mode::kSilent);
  ASSERT_NE(stub.port(), 0);
  SockdOptions options;
  options.full_config =
      "hosts_file " + files_.write("hosts", "127.0.0.1 only-sockd.test\n") + "\nresolv_conf " +
      files_.write("resolv.conf", stub.resolv_conf(1, 1) + "options initial-probe-timeout:1\n") +
      "\ntimeout connect 60\npermit 127.0.0.0/8\n";
  ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  std::vector<UniqueFd> clients;
  for (size_t i = 0; i < kTimedOut; ++i) {
    clients.push_back(
        send_request(port(), connect_request_4a("leak" + std::to_string(i) + ".nowhere.test", 80)));
    ASSERT_TRUE(clients.back()) << i;
  }
  const auto deadline = Clock::now() + milliseconds(30000);
  size_t answered = 0;
  while ((answered = sockd().log_lines_with({"rejected (cannot resolve"}).size()) < kTimedOut &&
         Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(20));  // polls the log, bounded by the deadline
  ASSERT_EQ(answered, kTimedOut) << sockd().log();
  // Every lookup is over: a query after this is a probe, which waits `timeout` (1 s) for its
  // answer. Stop while it does.
  const int before_probe = stub.queries();
  EXPECT_GE(before_probe, static_cast<int>(kTimedOut));
  const auto probe_deadline = Clock::now() + milliseconds(30000);
  while (stub.queries() == before_probe && Clock::now() < probe_deadline)
    std::this_thread::sleep_for(milliseconds(5));  // polls the counter, bounded
  ASSERT_GT(stub.queries(), before_probe) << "no probe of the failed name server";

  ASSERT_TRUE(sockd().process().signal(SIGTERM));
  std::optional<int> status = sockd().process().wait(milliseconds(10000));
  ASSERT_TRUE(status) << "still running after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << "wait status " << *status << "\n"
      << sockd().log_lines_with({"Sanitizer"}).size() << " sanitizer lines";
}

}  // namespace
}  // namespace socks4::test
