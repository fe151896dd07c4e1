// SOCKS_SYSLOG: every decision of the library (the route a connect takes, and what the SOCKS
// server answered) logged to syslog, facility user, as the NEC client did.
//
// Not through syslog(3): it would share the program's own openlog(3) connection, ident and
// facility, and glibc's syslog lock (like its timezone lock, taken for the timestamp) could be
// held across the program's fork(2). Each line is one datagram, sent on a socket of its own to
// /dev/log without a timestamp (syslog daemons stamp the time of receipt); nothing is held
// between lines. Lost, not retried, when no daemon listens.
#pragma once

#include <string>
#include <string_view>

namespace socks4::client {

// "<PRI>TAG[PID]: MESSAGE", with control bytes replaced and at most kMaxDatagram bytes.
inline constexpr size_t kMaxSyslogDatagram = 1024;
std::string format_syslog_datagram(int priority, std::string_view tag, int pid,
                                   std::string_view message);

// SOCKS_SYSLOG, from the process's context (set when it is built or replaced).
void set_syslog_enabled(bool enabled);
bool syslog_enabled();

// Sends `message` with `severity` (LOG_INFO, LOG_NOTICE...) and facility user, if enabled.
// Keeps errno; takes no lock.
void syslog_decision(int severity, std::string_view message);

}  // namespace socks4::client
