// log::format_message writes what vsnprintf would, cut at the same place.
#include "../../server/log_message.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdarg>
#include <cstdio>
#include <string>

namespace {

// Both formatters on the same arguments, into buffers of `size`.
struct Both {
  std::string ours;
  int ours_length;
  std::string theirs;
};

Both format_both(size_t size, const char* format, ...) {
  std::string ours(size, '#'), theirs(size, '#');
  va_list args, copy;
  va_start(args, format);
  va_copy(copy, args);
  const int length = sockd::log::format_message(ours.data(), size, format, args);
  vsnprintf(theirs.data(), size, format, copy);
  va_end(copy);
  va_end(args);
  return {ours.c_str(), length, theirs.c_str()};
}

#define EXPECT_SAME(buffer_size, ...)                                \
  do {                                                               \
    const Both both = format_both(buffer_size, __VA_ARGS__);         \
    EXPECT_EQ(both.ours, both.theirs);                               \
    EXPECT_EQ(both.ours_length, static_cast<int>(both.ours.size())); \
  } while (0)

TEST(LogMessage, TheConversionsOfSockdsLinesMatchVsnprintf) {
  EXPECT_SAME(256, "%s %s%s -> granted", "127.0.0.1:40000", "CONNECT user=x 127.0.0.1:80", "");
  EXPECT_SAME(256, "%s close %s: sent %llu received %llu bytes in %lld.%03llds%s%s%s",
              "127.0.0.1:40000", "127.0.0.1:80", 12345ULL, ULLONG_MAX, -7LL, 5LL, " (", "idle",
              ")");
  EXPECT_SAME(256, "%d %d %d %i %u", 0, -1, INT_MIN, INT_MAX, UINT_MAX);
  EXPECT_SAME(256, "%ld %ld %lu %zu %zd", LONG_MIN, 42L, ULONG_MAX, size_t{17}, ssize_t{-3});
  EXPECT_SAME(256, "%lld %llu %c%c 100%%", LLONG_MIN, 0ULL, 'a', 'b');
  EXPECT_SAME(256, "[%03lld] [%05d] [%3d] [%03d] [%02ld]", 7LL, -42, 5, 1234, 9L);
  EXPECT_SAME(256, "no conversions at all");
  EXPECT_SAME(256, "%s|%s", "", "empty first");
}

TEST(LogMessage, OtherConversionsGoToVsnprintf) {
  EXPECT_SAME(256, "%s %x %s", "before", 0xbeefu, "after");
  EXPECT_SAME(256, "%.*s|%-5s|%5s|%p", 3, "abcdef", "ab", "cd", static_cast<void*>(nullptr));
  EXPECT_SAME(256, "%d then %.2f", 3, 2.5);
}

TEST(LogMessage, ALongMessageIsCutWhereVsnprintfCutsIt) {
  const std::string long_text(300, 'z');
  EXPECT_SAME(16, "%s", long_text.c_str());
  EXPECT_SAME(16, "0123456789abc %d", 123456);
  EXPECT_SAME(16, "0123456789abcdef%s", "x");
  EXPECT_SAME(1, "%s", "anything");
  EXPECT_SAME(8, "%03lld.%s", 5LL, "tail");
}

}  // namespace
