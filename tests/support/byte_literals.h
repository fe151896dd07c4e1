// Byte literals for the parser tests: bytes({4, 1, 0, 80}) + text("alice") + bytes({0}).
// Tests bring them in with `using namespace socks4::test::byte_literals;` (which operator+
// needs: argument-dependent lookup only looks in std for a vector).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace socks4::test::byte_literals {

using Bytes = std::vector<uint8_t>;

inline Bytes bytes(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) out.push_back(static_cast<uint8_t>(v));
  return out;
}

inline Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline Bytes text(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

}  // namespace socks4::test::byte_literals
