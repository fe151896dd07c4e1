// epoll for sockets whose SOCKS negotiation is pending. While it runs, the kernel is asked for
// what the negotiation waits for (not what the program asked for), under the program's own
// epoll_data; epoll_wait drives the negotiation on those events, hides them, and when it is
// over restores the program's registration and reports the socket as a finished connect
// would be reported (writable; readable for a BIND whose inbound connection arrived).
//
// Limits: a socket must be added (or modified) after its connect(2) started, as event loops
// do; an event whose epoll_data equals that of a pending socket in the same epoll set is taken
// for that socket's.
#pragma once

namespace socks4::preload {

// close() of an epoll set: its watches go. (A closed socket's watches go with its entry in the
// client library's registry, which keeps them: client_registry.h, EpollWatch.)
void forget_watches_in(int epfd);

}  // namespace socks4::preload
