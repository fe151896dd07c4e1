// A scripted identd for tests: listens on IP:113 (inside a PrivateNetwork) and answers each
// query line as its script says: any bytes (a right or wrong user, ERROR, garbage, too much),
// or nothing at all while holding the connection open. Connections are served one at a time
// on a thread; stop() (also run by the destructor) ends it within ~100 ms.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "socks4/unique_fd.h"

namespace socks4::test {

struct IdentdScript {
  // The bytes sent for a query line (given without its CR LF); the connection closes after.
  std::function<std::string(const std::string& query)> answer;
  bool silent = false;  // read the query, never answer, keep the connection open until stop()
};

// "<query ports> : USERID : UNIX : <user>\r\n", the well-formed answer naming `user`.
std::string userid_answer(const std::string& query, const std::string& user);
// A script that names `user` for every query.
IdentdScript answering_as(std::string user);
// A script that answers every query "ERROR : <error>" (HIDDEN-USER, NO-USER, ...).
IdentdScript answering_error(std::string error);

class ScriptedIdentd {
 public:
  ScriptedIdentd(const std::string& ip, IdentdScript script);
  ~ScriptedIdentd();
  ScriptedIdentd(const ScriptedIdentd&) = delete;
  ScriptedIdentd& operator=(const ScriptedIdentd&) = delete;

  bool listening() const { return static_cast<bool>(listener_); }
  int queries() const { return queries_.load(); }
  // The query lines received and the address each query came from.
  std::vector<std::string> query_lines() const;
  std::vector<std::string> query_sources() const;
  void stop();

 private:
  void serve();
  void serve_one(UniqueFd connection, const std::string& from);

  IdentdScript script_;
  UniqueFd listener_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> queries_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
  std::vector<std::string> sources_;
  std::vector<UniqueFd> held_;  // silent mode: connections kept open until stop()
  std::thread thread_;
};

}  // namespace socks4::test
