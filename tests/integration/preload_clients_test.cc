// Unmodified programs under socksify reach loopback servers through sockd: curl, python3
// (urllib), nc; and a program that makes no network calls is not affected at all.
#include <gtest/gtest.h>

#include "../support/byte_stream.h"
#include "../support/duplex_transfer.h"
#include "../support/loopback_server.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

class PreloadClientsTest : public PreloadTest {};

std::string url(const std::string& host, uint16_t port) {
  return "http://" + host + ":" + std::to_string(port) + "/file";
}

TEST_F(PreloadClientsTest, CurlByAddressGoesThroughSockd) {
  LoopbackServer web(http_handler("body by address\n"));
  CommandResult r = run_socksified(
      {"curl", "--silent", "--show-error", "--max-time", "15", url("127.0.0.1", web.port())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "body by address\n");
  EXPECT_TRUE(sockd_granted("127.0.0.1:" + std::to_string(web.port()))) << sockd().log();
}

TEST_F(PreloadClientsTest, CurlByANameOnlySockdKnows) {
  LoopbackServer web(http_handler("body by name\n"));
  CommandResult r = run_socksified(
      {"curl", "--silent", "--show-error", "--max-time", "15", url("only-sockd.test", web.port())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "body by name\n");
  // The name reached sockd (4a), not an address.
  EXPECT_TRUE(sockd_granted("only-sockd.test:" + std::to_string(web.port()))) << sockd().log();
}

TEST_F(PreloadClientsTest, CurlTracesItsRouteUnderDebug) {
  LoopbackServer web(http_handler("traced\n"));
  CommandResult r =
      run_socksified({"curl", "--silent", "--max-time", "15", url("only-sockd.test", web.port())},
                     {{"SOCKS_DEBUG", "1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("only-sockd.test: SOCKS_RESOLVE=remote; remote name, fake address 198.18."),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("-> sockd"), std::string::npos) << r.err;
}

TEST_F(PreloadClientsTest, PythonUrllibByName) {
  LoopbackServer web(http_handler("urllib body\n"));
  CommandResult r = run_python(
      "import sys, urllib.request\n"
      "print(urllib.request.urlopen(sys.argv[1], timeout=15).read().decode(), end='')\n",
      {url("only-sockd.test", web.port())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "urllib body\n");
  EXPECT_TRUE(sockd_granted("only-sockd.test:" + std::to_string(web.port()))) << sockd().log();
}

TEST_F(PreloadClientsTest, PythonAsyncioByName) {
  LoopbackServer web(http_handler("asyncio body\n"));
  CommandResult r = run_python(
      "import asyncio, sys\n"
      "async def main():\n"
      "    r, w = await asyncio.wait_for(asyncio.open_connection(sys.argv[1], int(sys.argv[2])),"
      " 15)\n"
      "    w.write(b'GET /file HTTP/1.0\\r\\n\\r\\n')\n"
      "    data = await asyncio.wait_for(r.read(), 15)\n"
      "    print(data.split(b'\\r\\n\\r\\n', 1)[1].decode(), end='')\n"
      "asyncio.run(main())\n",
      {"only-sockd.test", std::to_string(web.port())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "asyncio body\n");
  EXPECT_TRUE(sockd_granted("only-sockd.test:" + std::to_string(web.port()))) << sockd().log();
}

// nc (OpenBSD) moves 10 MiB each way at once through sockd; both directions are checksummed.
TEST_F(PreloadClientsTest, NetcatTenMegabytesBothWays) {
  constexpr size_t kBytes = 10u << 20;
  DuplexPlan server_plan{7, kBytes, 0};
  DuplexResult server_result;
  LoopbackServer peer([&](int fd) { server_result = run_duplex(fd, server_plan); });
  std::string upload(kBytes, '\0');
  ByteStream(8).fill(std::span(reinterpret_cast<uint8_t*>(upload.data()), upload.size()));
  std::string input = files_.write("upload.bin", upload);
  CommandResult r = run_socksified({"sh", "-c", "exec nc -N only-sockd.test \"$1\" < \"$2\"", "sh",
                                    std::to_string(peer.port()), input});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  peer.stop();
  Checksum downloaded;
  downloaded.add(std::span(reinterpret_cast<const uint8_t*>(r.out.data()), r.out.size()));
  EXPECT_EQ(downloaded.bytes(), kBytes);
  EXPECT_EQ(downloaded.value(), expected_from(server_plan).value());
  EXPECT_TRUE(server_result.clean_eof) << server_result.error;
  EXPECT_EQ(server_result.received.bytes(), kBytes);
  EXPECT_EQ(server_result.received.value(), checksum_of_stream(8, kBytes).value());
  EXPECT_TRUE(sockd_granted("only-sockd.test:" + std::to_string(peer.port()))) << sockd().log();
}

TEST_F(PreloadClientsTest, ProgramWithoutNetworkCallsIsUnaffected) {
  CommandResult r = run_socksified({"sh", "-c",
                                    "printf 'hello\\n' | tr a-z A-Z; sort -r <<EOF\na\nb\nEOF\n"
                                    "exit 7"});
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.out, "HELLO\nb\na\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(sockd().log().find("CONNECT"), std::string::npos) << sockd().log();
}

}  // namespace
}  // namespace socks4::test
