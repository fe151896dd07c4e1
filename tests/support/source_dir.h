// The source tree, for tests that read its files (etc/sockd.conf, ...) whatever BUILD is and
// wherever they run from: the Makefile defines SOCKS4_SOURCE_DIR, its absolute path, for every
// test object.
#pragma once

#include <string>

#ifndef SOCKS4_SOURCE_DIR
#error "SOCKS4_SOURCE_DIR must name the source tree (the Makefile defines it for tests/)"
#endif

namespace socks4::test {

// `relative` (e.g. "etc/sockd.conf") in the source tree.
inline std::string source_file(const std::string& relative) {
  return std::string(SOCKS4_SOURCE_DIR) + "/" + relative;
}

}  // namespace socks4::test
