// The parser's two windows onto the system, kept apart so everything else stays pure:
// reading a file (bounded) and looking up a TCP service name.
#include <netdb.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <vector>

#include "socks4/sockd_conf.h"

namespace socks4::conf {
namespace {

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

std::optional<std::string> read_file(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return std::nullopt;
  std::string text;
  char chunk[16384];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof chunk, file.get())) > 0) {
    if (text.size() + got > kMaxFileBytes) {
      errno = EFBIG;
      return std::nullopt;
    }
    text.append(chunk, got);
  }
  if (std::ferror(file.get())) return std::nullopt;
  return text;
}

std::optional<uint16_t> lookup_tcp_service(const std::string& name) {
  servent entry{};
  servent* result = nullptr;
  std::vector<char> buffer(4096);
  // getservbyname_r: the reentrant form, since a reload may parse while other threads run.
  if (getservbyname_r(name.c_str(), "tcp", &entry, buffer.data(), buffer.size(), &result) != 0 ||
      result == nullptr) {
    return std::nullopt;
  }
  return ntohs(static_cast<uint16_t>(result->s_port));
}

}  // namespace socks4::conf
