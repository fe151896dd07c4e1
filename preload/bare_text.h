// Byte and string helpers that need no C library (see bare_syscalls.h for when that matters).
// Plain loops: the files that use them are built with -fno-tree-loop-distribute-patterns, so
// the compiler does not turn the loops back into calls to memcpy or memset (Makefile).
#pragma once

#include <cstddef>

namespace socks4::bare {

inline size_t length(const char* text) {
  size_t n = 0;
  while (text[n] != '\0') ++n;
  return n;
}

inline void copy(void* to, const void* from, size_t n) {
  auto* out = static_cast<unsigned char*>(to);
  const auto* in = static_cast<const unsigned char*>(from);
  for (size_t i = 0; i < n; ++i) out[i] = in[i];
}

inline bool same(const void* a, const void* b, size_t n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return false;
  }
  return true;
}

inline bool equal(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}

inline bool starts_with(const char* text, const char* prefix) {
  while (*prefix != '\0') {
    if (*text++ != *prefix++) return false;
  }
  return true;
}

// The first `c` in `text`, or nullptr.
inline const char* find(const char* text, char c) {
  for (; *text != '\0'; ++text) {
    if (*text == c) return text;
  }
  return nullptr;
}

// The last `c` in `text`, or nullptr.
inline const char* find_last(const char* text, char c) {
  const char* found = nullptr;
  for (; *text != '\0'; ++text) {
    if (*text == c) found = text;
  }
  return found;
}

// Whether `needle` (n bytes) occurs in the `size` bytes at `haystack`.
inline bool contains(const void* haystack, size_t size, const void* needle, size_t n) {
  const auto* bytes = static_cast<const unsigned char*>(haystack);
  for (size_t at = 0; at + n <= size; ++at) {
    if (same(bytes + at, needle, n)) return true;
  }
  return false;
}

// The value of NAME in a NAME=VALUE list (an environment), or nullptr.
inline const char* find_variable(char* const* list, const char* name) {
  const size_t n = length(name);
  for (; list != nullptr && *list != nullptr; ++list) {
    if (same(*list, name, n) && (*list)[n] == '=') return *list + n + 1;
  }
  return nullptr;
}

}  // namespace socks4::bare
