// Diagnostics of the client library: one line per call on stderr, written with a single
// write(2) so lines from several threads do not interleave.
#pragma once

namespace socks4::client {

// Traces only when SOCKS_DEBUG is set.
void debug_log(const char* format, ...) __attribute__((format(printf, 1, 2)));
// Always printed: configuration errors and the like, which a user must see.
void error_log(const char* format, ...) __attribute__((format(printf, 1, 2)));

// The name shown in front of each line ("SOCKSclient" until SOCKSinit names the program).
void set_program_name(const char* name);
void set_debug_enabled(bool enabled);
bool debug_enabled();

}  // namespace socks4::client
