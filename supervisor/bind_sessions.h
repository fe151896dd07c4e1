// The program's sockets in the middle of a SOCKS BIND sequence (bind -> getsockname -> listen
// -> accept). The client library keeps that state in its registry by descriptor number, so the
// supervisor holds a duplicate of each such socket open from its bind(2) until the sequence
// ends (accept, a connect making the bind a plain one, a refusal), and the library works on
// that duplicate every time. Keyed by the socket (device and inode). A program that closes such
// a socket midway cannot tell the supervisor: an entry goes when its process is gone, or as
// the oldest once kMaxSessions are held.
#pragma once

#include <sys/types.h>

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "socket_table.h"
#include "socks4/unique_fd.h"

namespace socks4::supervisor {

class BindSessions {
 public:
  static constexpr size_t kMaxSessions = 64;

  // Holds `held` (a duplicate of the program `process`'s socket) for its socket.
  void hold(UniqueFd held, pid_t process);
  // The held duplicate for the socket `fd` names; nullptr when it is in no BIND sequence.
  std::shared_ptr<UniqueFd> find(int fd);
  // The entry follows the held socket after the library replaced it (listen adopting a BIND
  // negotiated ahead dup3s that socket over the held descriptor).
  void refresh(const std::shared_ptr<UniqueFd>& held);
  // Ends the sequence: the library's registry entry goes, the duplicate is closed.
  void drop(const std::shared_ptr<UniqueFd>& held);

 private:
  using Key = SocketKey;
  struct Session {
    std::shared_ptr<UniqueFd> held;
    pid_t process = 0;
  };
  void sweep_locked();

  std::mutex mutex_;
  std::map<Key, Session> sessions_;
  std::deque<Key> order_;
};

}  // namespace socks4::supervisor
