// Name <-> fake address map for remote name resolution (SOCKS 4a through the LD_PRELOAD
// layer). A name the client cannot (or must not) resolve gets an address from a reserved
// range; a connect to that address becomes a 4a request carrying the name.
//
// The range is 198.18.0.0/15 (RFC 2544 benchmarking, IANA special-purpose registry: never
// routed on the Internet, not used on ordinary LANs). Programs treat it as a plain unicast
// address, unlike 240.0.0.0/4, which several stacks and libraries reject, and unlike
// 100.64.0.0/10, which is live address space behind carrier-grade NAT and in overlay VPNs.
//
// The table lives in one MAP_SHARED anonymous mapping, so a process and all its forked
// children (and their threads) see the same entries. It is append-only and lock-free (atomic
// counters in the shared pages), so a fork in the middle of an insertion cannot leave a lock
// held. When it is full, new names get no address (the lookup fails); existing entries are
// never recycled, because a program may still hold an old address.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace socks4 {

inline constexpr uint32_t kFakeNetwork = 0xC6120000;  // 198.18.0.0, host byte order
inline constexpr uint32_t kFakeMask = 0xFFFE0000;     // /15
inline constexpr size_t kMaxFakeNameLength = 255;     // the 4a HOSTNAME limit
inline constexpr size_t kDefaultFakeNames = 8192;     // about 2 MiB of address space

// True for any address inside the fake range (host byte order).
constexpr bool is_fake_address(uint32_t ip) {
  return (ip & kFakeMask) == kFakeNetwork;
}

// The canonical form a name is stored in: lower case, without one trailing dot. Empty when
// the name cannot travel in a 4a request (empty, too long, or not printable ASCII).
std::string normalize_fake_name(std::string_view name);

class FakeNames {
  struct Key {  // private: only create() can call the constructor
    explicit Key() = default;
  };

 public:
  // Maps a fresh shared table for `capacity` names (at most what the range holds). nullptr if
  // mmap fails.
  static std::unique_ptr<FakeNames> create(size_t capacity = kDefaultFakeNames);
  FakeNames(Key, void* base, size_t bytes, size_t capacity);
  ~FakeNames();
  FakeNames(const FakeNames&) = delete;
  FakeNames& operator=(const FakeNames&) = delete;

  // The address of `name`, assigning the next free one if the name is new. nullopt if the
  // name is not valid (see normalize_fake_name) or the table is full.
  std::optional<uint32_t> assign(std::string_view name);
  // The address of a known name, without assigning.
  std::optional<uint32_t> find(std::string_view name) const;
  // The name behind a fake address, if one was assigned.
  std::optional<std::string> name_of(uint32_t ip) const;

  size_t size() const;  // names assigned so far
  size_t capacity() const { return capacity_; }

 private:
  struct Slot;
  struct Header;
  const Slot* slot(size_t index) const;
  Slot* slot(size_t index);
  std::optional<uint32_t> find_normalized(const std::string& name) const;

  void* base_;
  size_t bytes_;
  size_t capacity_;
};

// Slot index <-> address. Addresses whose last octet is 0 or 255 are skipped: some programs
// take them for network or broadcast addresses.
uint32_t fake_address_of_index(size_t index);
std::optional<size_t> fake_index_of_address(uint32_t ip);
// How many addresses the range offers under that rule.
size_t fake_range_capacity();

}  // namespace socks4
