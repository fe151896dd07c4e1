// What SOCKS 4 cannot carry, decided for a supervised program's connect as the preload decides
// it (preload/preload_connect.cc, with the preload's own settings, preload_settings.h): a fake
// address this run never handed out, or a remote name over UDP, leads nowhere (EHOSTUNREACH);
// IPv6 and UDP destinations go direct or are refused (ENETUNREACH) as SOCKS_IPV6 and SOCKS_UDP
// say, loopback always direct.
#pragma once

#include <sys/socket.h>

#include <optional>

#include "call_answer.h"

namespace socks4::supervisor {

// nullopt: the library's connect_socket routes it. `fd`: the supervisor's duplicate.
std::optional<CallAnswer> answer_uncarried(int fd, const sockaddr_storage& address,
                                           socklen_t length);

}  // namespace socks4::supervisor
