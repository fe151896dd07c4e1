// Base fixture for the preload's integration tests: sockd on loopback, a socks.conf that sends
// loopback destinations and every name through it, and helpers to run a program under
// socksify. Names are resolved remotely (SOCKS_RESOLVE=remote), so nothing ever asks the
// machine's resolver.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "../support/child_process.h"
#include "../support/temp_dir.h"
#include "sockd_fixture.h"

namespace socks4::test {

// <build>/socksify, next to the test binary's directory.
inline std::string socksify_path() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "socksify";
  return (self.parent_path().parent_path() / "socksify").string();
}

// How many lines of `text` contain `needle` (a program's stderr, say).
inline size_t count_lines_with(const std::string& text, const std::string& needle) {
  size_t count = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (text.substr(start, end - start).find(needle) != std::string::npos) ++count;
    start = end + 1;
  }
  return count;
}

// The preload library socksify puts in LD_PRELOAD (the plain build's, in a sanitizer tree too).
inline std::string preload_library() {
  CommandResult r =
      run_command({socksify_path(), "-s", "127.0.0.1:1", "sh", "-c", "printf %s \"$LD_PRELOAD\""},
                  std::chrono::milliseconds(15000));
  return r.out;
}

// Two names only sockd's hosts file knows.
inline const std::string kSockdHosts = "127.0.0.1 only-sockd.test\n127.0.0.1 second.test\n";

class PreloadTest : public SockdTest {
 protected:
  void SetUp() override {
    SockdOptions options;
    options.hosts = kSockdHosts;
    ASSERT_NO_FATAL_FAILURE(start_sockd(options));
    conf_ = files_.write("socks.conf", "sockd 127.0.0.0 255.0.0.0\nsockd 0.0.0.0 0.0.0.0\n");
  }

  // socksify -s <sockd> -c <socks.conf> -r remote ARGV...
  std::vector<std::string> socksified(const std::vector<std::string>& argv,
                                      const std::string& server = "") {
    std::vector<std::string> out = {socksify_path(),
                                    "-s",
                                    server.empty() ? "127.0.0.1:" + std::to_string(port()) : server,
                                    "-c",
                                    conf_,
                                    "-r",
                                    "remote"};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
  }

  CommandResult run_socksified(const std::vector<std::string>& argv,
                               const std::map<std::string, std::string>& env = {},
                               const std::string& server = "") {
    return run_command(socksified(argv, server), milliseconds(30000), env);
  }

  // /usr/bin/python3 with `script` (written to a file) and its arguments, under socksify.
  CommandResult run_python(const std::string& script, const std::vector<std::string>& args = {},
                           const std::map<std::string, std::string>& env = {},
                           const std::string& server = "") {
    std::vector<std::string> argv = {"/usr/bin/python3", files_.write("script.py", script)};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_socksified(argv, env, server);
  }

  // sockd logged a granted CONNECT to `destination` ("ip:port" or "name:port").
  bool sockd_granted(const std::string& destination) {
    sockd().wait_for_log(destination, milliseconds(5000));
    sockd().wait_for_log("granted", milliseconds(5000));
    return !sockd().log_lines_with({"CONNECT", " " + destination + " ", "granted"}).empty();
  }

  TempDir files_;
  std::string conf_;
};

}  // namespace socks4::test
