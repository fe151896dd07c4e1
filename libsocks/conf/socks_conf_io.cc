// The impure edges of socks.conf parsing: reading files and looking up service names.
#include <arpa/inet.h>
#include <netdb.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>

#include "socks4/socks_conf.h"

namespace socks4::client {

std::optional<std::string> read_conf_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "re"), &std::fclose);
  if (!file) return std::nullopt;
  std::string content;
  std::array<char, 8192> buffer;
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get())) {
    if (content.size() + n > kMaxConfFileBytes) {
      errno = EFBIG;
      return std::nullopt;
    }
    content.append(buffer.data(), n);
  }
  if (std::ferror(file.get())) return std::nullopt;
  return content;
}

std::optional<uint16_t> lookup_tcp_service(const std::string& name) {
  servent entry{};
  servent* result = nullptr;
  std::array<char, 1024> buffer;
  if (getservbyname_r(name.c_str(), "tcp", &entry, buffer.data(), buffer.size(), &result) != 0 ||
      result == nullptr) {
    return std::nullopt;
  }
  return ntohs(static_cast<uint16_t>(result->s_port));
}

}  // namespace socks4::client
