// The stats listener's /status.json and status page: the live relays are listed (client, user,
// destination, bytes), the last rejections with their reasons, and a real browser (headless
// Chromium) renders the page with the relays in its DOM.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <regex>
#include <string>
#include <vector>

#include "../support/child_process.h"
#include "../support/loopback_server.h"
#include "../support/socket_io.h"
#include "../support/socks_client.h"
#include "../support/temp_dir.h"
#include "sockd_fixture.h"
#include "stats_http.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

// "127.0.0.1:PORT" of our end of `fd`: the client address sockd sees.
std::string local_address(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class StatsPage : public SockdTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start_sockd(
        with_config("stats 127.0.0.1:0\ndeny 127.0.0.0/8 127.0.0.3/32\npermit 127.0.0.0/8\n")));
    std::optional<uint16_t> found = stats_port(sockd());
    ASSERT_TRUE(found) << sockd().log();
    stats_ = *found;
    for (const char* user : {"alice", "bob", "carol"}) {
      relays_.push_back(open_relay(port(), connect_request("127.0.0.1", echo_.port(), user)));
      ASSERT_TRUE(relays_.back()) << user;
      ASSERT_TRUE(echoes(relays_.back().get(), "hello"));
      clients_.push_back(local_address(relays_.back().get()));
    }
    std::optional<Reply> reply;
    ASSERT_FALSE(open_relay(port(), connect_request("127.0.0.3", 4444, "mallory"), &reply));
  }

  LoopbackServer echo_{echo_handler};
  uint16_t stats_ = 0;
  std::vector<UniqueFd> relays_;
  std::vector<std::string> clients_;
};

TEST_F(StatsPage, StatusJsonListsLiveRelaysAndRejections) {
  const HttpResponse response = http_get(stats_, "/status.json");
  ASSERT_EQ(response.status, 200);
  EXPECT_NE(response.headers.find("application/json"), std::string::npos);
  TempDir dir;
  const std::string path = dir.write("status.json", response.body);
  // Parsed as JSON; one line per relay: client user destination up down.
  const std::string script =
      "import json, sys\n"
      "s = json.load(open(sys.argv[1]))\n"
      "print(s['relays_active'], s['requests']['connect']['granted'],\n"
      "      s['rejections']['rule'])\n"
      "for r in s['relays']:\n"
      "    print(r['client'], r['user'], r['command'], r['destination'], r['connected'],\n"
      "          r['bytes_upstream'], r['bytes_downstream'])\n"
      "for r in s['recent_rejections']:\n"
      "    print('rejected', r['client'].split(':')[0], r['request'], '|', r['reason'])\n";
  CommandResult parsed = run_command({"/usr/bin/python3", "-c", script, path}, milliseconds(20000));
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err << response.body;
  EXPECT_NE(parsed.out.find("3 3 1\n"), std::string::npos) << parsed.out;
  const std::string destination = "127.0.0.1:" + std::to_string(echo_.port());
  const char* users[] = {"alice", "bob", "carol"};
  for (size_t i = 0; i < clients_.size(); ++i)
    EXPECT_NE(parsed.out.find(clients_[i] + " " + users[i] + " connect " + destination + " " +
                              destination + " 5 5\n"),
              std::string::npos)
        << parsed.out;
  EXPECT_NE(parsed.out.find("rejected 127.0.0.1 CONNECT user=mallory 127.0.0.3:4444 | "),
            std::string::npos)
      << parsed.out;
}

TEST_F(StatsPage, HeadlessChromiumRendersTheLiveRelays) {
  TempDir profile;
  const std::string url = "http://127.0.0.1:" + std::to_string(stats_) + "/";
  CommandResult browser = run_command(
      {"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
       "--no-first-run", "--disable-background-networking", "--disable-component-update",
       "--disable-sync", "--user-data-dir=" + profile.path(), "--dump-dom", url},
      milliseconds(90000), {{"HOME", profile.path()}});
  ASSERT_EQ(browser.exit_code, 0) << browser.err;
  const std::string& dom = browser.out;
  // The browser's DOM, not our bytes: it has run the page (the script is in it too).
  EXPECT_NE(dom.find("<title>sockd status</title>"), std::string::npos) << dom;
  EXPECT_EQ(count(dom, "<tr class=\"relay\">"), 3u) << dom;
  const std::string destination = "127.0.0.1:" + std::to_string(echo_.port());
  for (size_t i = 0; i < clients_.size(); ++i) {
    EXPECT_NE(dom.find("<td>" + clients_[i] + "</td>"), std::string::npos) << clients_[i];
  }
  for (const char* user : {"alice", "bob", "carol"})
    EXPECT_NE(dom.find(std::string("<td>") + user + "</td>"), std::string::npos) << user;
  EXPECT_EQ(count(dom, "<td>" + destination + "</td>"), 6u) << dom;  // destination, connected
  EXPECT_NE(dom.find("CONNECT user=mallory 127.0.0.3:4444"), std::string::npos) << dom;

  // Closed relays leave the page.
  relays_.clear();
  wait_for_metric(stats_, "sockd_relays_active", 0);
  CommandResult after = run_command(
      {"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
       "--no-first-run", "--disable-background-networking", "--disable-component-update",
       "--disable-sync", "--user-data-dir=" + profile.path(), "--dump-dom", url},
      milliseconds(90000), {{"HOME", profile.path()}});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(count(after.out, "<tr class=\"relay\">"), 0u);
  EXPECT_NE(after.out.find("no relay open"), std::string::npos) << after.out;
}

}  // namespace
}  // namespace socks4::test
