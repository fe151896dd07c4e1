// Real SOCKS clients against sockd: curl's own --socks4/--socks4a and python3-socks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/byte_stream.h"
#include "../support/child_process.h"
#include "../support/loopback_server.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kClientTimeout{20000};

std::string random_body(size_t size, uint64_t seed) {
  std::string body(size, '\0');
  ByteStream(seed).fill(std::span(reinterpret_cast<uint8_t*>(body.data()), body.size()));
  return body;
}

class ClientInteropTest : public SockdTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(start_sockd()); }

  CommandResult curl(const std::string& proxy_option, const std::string& url) {
    return run_command({"curl", "--silent", "--show-error", "--max-time", "15", proxy_option,
                        "127.0.0.1:" + std::to_string(port()), url},
                       kClientTimeout);
  }

  CommandResult python_socks_get(const std::string& host, uint16_t http_port, bool rdns) {
    const std::string script =
        "import socks, sys\n"
        "s = socks.socksocket()\n"
        "s.set_proxy(socks.SOCKS4, '127.0.0.1', int(sys.argv[1]), rdns=sys.argv[4] == '1',"
        " username='py')\n"
        "s.settimeout(15)\n"
        "s.connect((sys.argv[2], int(sys.argv[3])))\n"
        "s.sendall(b'GET /f HTTP/1.0\\r\\n\\r\\n')\n"
        "while True:\n"
        "    b = s.recv(65536)\n"
        "    if not b: break\n"
        "    sys.stdout.buffer.write(b)\n";
    // Debian's python3-socks lives with /usr/bin/python3, not another python3 on PATH.
    return run_command({"/usr/bin/python3", "-c", script, std::to_string(port()), host,
                        std::to_string(http_port), rdns ? "1" : "0"},
                       kClientTimeout);
  }

  const std::string body_ = random_body(1 << 20, 42);
  LoopbackServer http_{http_handler(body_)};
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

TEST_F(ClientInteropTest, CurlSocks4FetchesByAddress) {
  CommandResult r = curl("--socks4", "http://127.0.0.1:" + std::to_string(http_.port()) + "/f");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == body_) << "got " << r.out.size() << " bytes";
  EXPECT_TRUE(sockd().wait_for_log("granted", milliseconds(3000)));
}

TEST_F(ClientInteropTest, CurlSocks4aFetchesByNameOnlySockdKnows) {
  CommandResult r =
      curl("--socks4a", "http://only-sockd.test:" + std::to_string(http_.port()) + "/f");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == body_) << "got " << r.out.size() << " bytes";
  EXPECT_TRUE(sockd().wait_for_log("only-sockd.test", milliseconds(3000)));
}

TEST_F(ClientInteropTest, CurlSocks4aUnknownNameFails) {
  CommandResult r = curl("--socks4a", "http://nosuch.invalid:" + std::to_string(http_.port()));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(http_.accepted(), 0);
}

TEST_F(ClientInteropTest, PythonSocks4LocalResolution) {
  CommandResult r = python_socks_get("127.0.0.1", http_.port(), false);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/1.0 200"));
  EXPECT_TRUE(ends_with(r.out, body_)) << "got " << r.out.size() << " bytes";
}

TEST_F(ClientInteropTest, PythonSocks4aRemoteResolution) {
  CommandResult r = python_socks_get("only-sockd.test", http_.port(), true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/1.0 200"));
  EXPECT_TRUE(ends_with(r.out, body_)) << "got " << r.out.size() << " bytes";
  EXPECT_FALSE(sockd().log_lines_with({"user=py", "only-sockd.test", "granted"}).empty());
}

TEST_F(ClientInteropTest, PythonSocks4aRejectionIsReported) {
  CommandResult r = python_socks_get("nosuch.invalid", http_.port(), true);
  EXPECT_NE(r.exit_code, 0);
  // PySocks reports CD 91 as "Request rejected or failed".
  EXPECT_NE(r.err.find("rejected"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace socks4::test
