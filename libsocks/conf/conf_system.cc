// The parsers' two windows onto the system, kept apart so everything else stays pure: reading
// a file (bounded) and looking up a TCP service name. Both grammars inject these.
#include <fcntl.h>
#include <netdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "socks4/conf_port.h"
#include "socks4/conf_users.h"

namespace socks4::conf {
namespace {

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

std::optional<std::string> read_bounded_file(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK so that opening a FIFO returns at once (a blocked open would hang a reload until
  // someone writes to it); only regular files are read.
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat status {};
  const bool stat_ok = fstat(fd, &status) == 0;
  if (!stat_ok || !S_ISREG(status.st_mode)) {
    const int error = stat_ok ? kNotARegularFile : errno;
    close(fd);
    errno = error;
    return std::nullopt;
  }
  std::unique_ptr<std::FILE, FileCloser> file(fdopen(fd, "rb"));
  if (!file) {
    const int error = errno;
    close(fd);
    errno = error;
    return std::nullopt;
  }
  std::string text;
  char chunk[16384];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof chunk, file.get())) > 0) {
    if (text.size() + got > max_bytes) {
      errno = EFBIG;
      return std::nullopt;
    }
    text.append(chunk, got);
  }
  if (std::ferror(file.get())) return std::nullopt;
  return text;
}

std::string read_error_text(int error) {
  return error == kNotARegularFile ? "not a regular file" : std::strerror(error);
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
