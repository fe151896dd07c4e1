// What sockd tells systemd, and the sockets systemd hands it: readiness, reload and stop
// notifications to $NOTIFY_SOCKET (Type=notify), and listening sockets passed through
// $LISTEN_FDS (socket activation). Without systemd, each call does nothing.
#pragma once

#include <string>
#include <vector>

namespace sockd::service_manager {

// READY=1 once sockd serves, with a STATUS= line for `systemctl status`.
void ready(const std::string& status);
// RELOADING=1 (with MONOTONIC_USEC) as a reload starts; ready() again once it is done.
void reloading();
// STOPPING=1 as a stop starts.
void stopping();

// The descriptors systemd passed (SD_LISTEN_FDS_START...), none if $LISTEN_FDS is unset or is
// for another process. The LISTEN_* variables are removed, so shell commands do not see them.
std::vector<int> passed_sockets();

}  // namespace sockd::service_manager
