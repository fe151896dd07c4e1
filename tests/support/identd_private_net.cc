#include "identd_private_net.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace socks4::test {
namespace {

std::string errno_text(const char* what) {
  return std::string(what) + ": " + strerror(errno);
}

}  // namespace

PrivateNetwork::PrivateNetwork() {
  original_.reset(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!original_) {
    error_ = errno_text("open /proc/thread-self/ns/net");
    return;
  }
  if (unshare(CLONE_NEWNET) != 0) {
    error_ = errno_text("unshare(CLONE_NEWNET)");
    return;
  }
  entered_ = true;
  UniqueFd probe(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (!probe || ioctl(probe.get(), SIOCGIFFLAGS, &request) != 0) {
    error_ = errno_text("SIOCGIFFLAGS lo");
    return;
  }
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  if (ioctl(probe.get(), SIOCSIFFLAGS, &request) != 0) error_ = errno_text("SIOCSIFFLAGS lo up");
}

PrivateNetwork::PrivateNetwork(const std::string& name) {
  original_.reset(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  UniqueFd target(open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC));
  if (!original_ || !target) {
    error_ = errno_text("open the network namespaces");
    return;
  }
  if (setns(target.get(), CLONE_NEWNET) != 0) {
    error_ = errno_text(("setns " + name).c_str());
    return;
  }
  entered_ = true;
}

PrivateNetwork::~PrivateNetwork() {
  // Staying in the private namespace would silently break every later test: better to stop.
  if (entered_ && setns(original_.get(), CLONE_NEWNET) != 0) abort();
}

}  // namespace socks4::test
