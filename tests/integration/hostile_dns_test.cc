// Resolver failures for SOCKS 4a names: a name server that never answers, answers SERVFAIL, or
// answers garbage. The client gets 91 within the time limit and a log line; names in the hosts
// file, plain SOCKS 4 requests and the bystander keep working while lookups hang. sockd's
// resolv.conf names only the scripted server on loopback ("nameserver 127.0.0.1:PORT").
#include <gtest/gtest.h>

#include <chrono>
#include <future>
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

}  // namespace
}  // namespace socks4::test
