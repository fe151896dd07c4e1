// The message of a log line, formatted from a printf format. The conversions sockd's log lines
// use (%s %c %d %i %u with l/ll/z, a zero flag and a width, and %%) are written by hand;
// anything else goes to vsnprintf. Same text as vsnprintf, a fraction of its cost: two lines
// per relayed connection, and stdio's formatter cost more than all the rest of both.
#pragma once

#include <cstdarg>
#include <cstddef>

namespace sockd::log {

// Writes at most size - 1 characters and a NUL (size > 0); returns the number written
// without the NUL (the message is cut at size - 1), or -1 if vsnprintf fails.
int format_message(char* out, size_t size, const char* format, va_list args);

}  // namespace sockd::log
