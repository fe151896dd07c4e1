// Signals under load. SIGHUP, repeated while transfers run and with valid and invalid files in
// turn, never disturbs an established relay (every byte arrives), and the new rules apply to
// new requests only. SIGTERM with hundreds of relays open ends sockd promptly with status 0,
// closing every client.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <future>
#include <thread>
#include <vector>

#include "../support/bystander.h"
#include "../support/echo_process.h"
#include "../support/load_scale.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const int kTransfers = load_size(12, 4, 12);
const int kIdleRelays = load_size(500, 100, 2000);

void rewrite(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

class LoadSignals : public SockdTest {
 protected:
  // Waits (bounded) until `count` log lines contain `text`.
  bool wait_for_lines(const std::string& text, int count) {
    const auto deadline = Clock::now() + milliseconds(5000);
    while (sockd().log_lines_with({text}).size() < static_cast<size_t>(count)) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return true;
  }
};

TEST_F(LoadSignals, ReloadUnderLoadLosesNoEstablishedConnection) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  const std::string path = sockd().config_path();
  std::ifstream in(path);
  const std::string original((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::unique_ptr<Bystander>> transfers;
  for (int i = 0; i < kTransfers; ++i) {
    Bystander::Options options;
    options.seed = 1000 + static_cast<uint64_t>(i) * 2;
    options.pause = milliseconds(2);
    transfers.push_back(std::make_unique<Bystander>(port(), options));
    ASSERT_TRUE(transfers.back()->error().empty()) << transfers.back()->error();
  }
  // Reloads in turn: a valid file that denies everything, a broken one, the original again.
  // Each waits for its log line (signals sent faster than handled would merge).
  const std::string deny_all =
      original.substr(0, original.find("permit")) + "timeout idle 5\ndeny 0.0.0.0/0\n";
  int reloaded = 0, kept = 0;
  auto reload = [&](const std::string& text, const char* line, int* count) {
    rewrite(path, text);
    ASSERT_TRUE(sockd().process().signal(SIGHUP));
    ++*count;
    ASSERT_TRUE(wait_for_lines(line, *count)) << sockd().log();
  };
  for (int round = 0; round < 5; ++round) {
    ASSERT_NO_FATAL_FAILURE(reload(deny_all, "SIGHUP: reloaded", &reloaded));
    // The new rules apply to a new request at once.
    std::optional<Reply> reply;
    EXPECT_FALSE(open_relay(port(), connect_request("127.0.0.1", 9), &reply));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->code, ReplyCode::kRejected);
    ASSERT_NO_FATAL_FAILURE(
        reload(original + "permit nonsense\n", "has errors; keeping the old configuration", &kept));
    ASSERT_NO_FATAL_FAILURE(reload(original, "SIGHUP: reloaded", &reloaded));
  }
  for (auto& transfer : transfers)
    EXPECT_TRUE(transfer->wait_for_progress(64 << 10, milliseconds(10000)));
  for (auto& transfer : transfers) EXPECT_EQ(transfer->finish(), "");
  EXPECT_GT(sockd().log_lines_with({"denied by rule"}).size(), 0u);
  // Back on the original rules: new relays are granted again.
  Bystander after(port());
  EXPECT_TRUE(after.error().empty()) << after.error();
}

TEST_F(LoadSignals, SigtermUnderLoadExitsCleanlyAndPromptly) {
  EchoProcess echo;
  ASSERT_TRUE(echo.ok());
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  std::vector<UniqueFd> idle;
  for (int i = 0; i < kIdleRelays; ++i) {
    idle.push_back(open_relay(port(), connect_request("127.0.0.1", echo.port())));
    ASSERT_TRUE(idle.back()) << i;
  }
  std::vector<std::unique_ptr<Bystander>> busy;
  for (int i = 0; i < kTransfers; ++i) {
    busy.push_back(std::make_unique<Bystander>(port()));
    ASSERT_TRUE(busy.back()->error().empty());
  }
  std::vector<UniqueFd> negotiating;  // half a request each
  for (int i = 0; i < 50; ++i) {
    negotiating.push_back(send_request(port(), std::vector<uint8_t>{4, 1, 0}));
    ASSERT_TRUE(negotiating.back());
  }
  ASSERT_TRUE(busy.front()->wait_for_progress(256 << 10, milliseconds(10000)));

  const auto sent = Clock::now();
  ASSERT_TRUE(sockd().process().signal(SIGTERM));
  auto status = sockd().process().wait(milliseconds(10000));
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - sent);
  ASSERT_TRUE(status) << "sockd did not exit within 10 s of SIGTERM";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  std::cout << "[ measure  ] SIGTERM with " << kIdleRelays + kTransfers << " relays and "
            << negotiating.size() << " negotiating clients: exited in " << took.count() << " ms\n";
  for (UniqueFd& fd : idle) EXPECT_TRUE(wait_for_close(fd.get(), milliseconds(2000)));
  for (UniqueFd& fd : negotiating) EXPECT_TRUE(wait_for_close(fd.get(), milliseconds(2000)));
  EXPECT_EQ(sockd().log_lines_with({"(server stopping)"}).size(),
            static_cast<size_t>(kIdleRelays + kTransfers));
  EXPECT_TRUE(sockd().wait_for_log("stopped", milliseconds(1000)));
  for (auto& transfer : busy) EXPECT_NE(transfer->finish(milliseconds(5000)), "");
}

}  // namespace
}  // namespace socks4::test
