// hostent construction (see preload_hostent.h).
#include "preload_hostent.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace socks4::preload {

int fill_hostent(const std::string& name, uint32_t ip, hostent* out, char* buffer, size_t size) {
  // [aliases: nullptr][addresses: addr, nullptr][4 address bytes][name NUL]
  constexpr size_t kPointers = 3 * sizeof(char*);
  void* aligned = buffer;
  size_t space = size;
  if (std::align(alignof(char*), kPointers, aligned, space) == nullptr ||
      space < kPointers + 4 + name.size() + 1) {
    return ERANGE;
  }
  auto** pointers = static_cast<char**>(aligned);
  char* address = reinterpret_cast<char*>(pointers + 3);
  char* text = address + 4;
  uint32_t net = htonl(ip);
  std::memcpy(address, &net, 4);
  std::memcpy(text, name.c_str(), name.size() + 1);
  pointers[0] = nullptr;  // no aliases
  pointers[1] = address;
  pointers[2] = nullptr;
  out->h_name = text;
  out->h_aliases = &pointers[0];
  out->h_addrtype = AF_INET;
  out->h_length = 4;
  out->h_addr_list = &pointers[1];
  return 0;
}

hostent* thread_hostent(const std::string& name, uint32_t ip) {
  struct Storage {
    hostent entry;
    alignas(char*) char buffer[512];
  };
  static thread_local Storage storage;
  if (fill_hostent(name, ip, &storage.entry, storage.buffer, sizeof storage.buffer) != 0) {
    return nullptr;
  }
  return &storage.entry;
}

}  // namespace socks4::preload
