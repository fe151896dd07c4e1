// Where the build put the plain BSD C client SOCKSified with -D renames and -lsocks:
// <build>/tests/client_plain_bsd, next to the test binaries (found through /proc/self/exe, as
// the support code finds sockd). CLIENT_PLAIN_BSD overrides it.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace socks4::test {

inline std::string plain_client_binary() {
  if (const char* env = std::getenv("CLIENT_PLAIN_BSD"); env && *env) return env;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "client_plain_bsd";
  return (self.parent_path() / "client_plain_bsd").string();
}

}  // namespace socks4::test
