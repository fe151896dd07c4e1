#include "service_manager.h"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstdint>

namespace sockd::service_manager {

void ready(const std::string& status) {
  sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void reloading() {
  // MONOTONIC_USEC lets a Type=notify-reload manager tell this reload from an older one.
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const uint64_t usec =
      static_cast<uint64_t>(now.tv_sec) * 1000000u + static_cast<uint64_t>(now.tv_nsec) / 1000u;
  sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", static_cast<unsigned long long>(usec));
}

void stopping() {
  sd_notify(0, "STOPPING=1");
}

std::vector<int> passed_sockets() {
  std::vector<int> fds;
  const int count = sd_listen_fds(1);
  for (int i = 0; i < count; ++i) fds.push_back(SD_LISTEN_FDS_START + i);
  return fds;
}

}  // namespace sockd::service_manager
