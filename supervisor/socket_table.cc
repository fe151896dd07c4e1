// Socket keys for the supervisor's tables (see socket_table.h).
#include "socket_table.h"

#include <sys/stat.h>

namespace socks4::supervisor {

std::optional<SocketKey> socket_key(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return std::nullopt;
  return SocketKey{st.st_dev, st.st_ino};
}

}  // namespace socks4::supervisor
