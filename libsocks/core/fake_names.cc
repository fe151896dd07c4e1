// The shared fake-address table (see fake_names.h).
#include "socks4/fake_names.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

namespace socks4 {

// Both structs live in the shared mapping; they hold only plain integers and bytes (zero is
// the initial state, which a fresh anonymous mapping gives), accessed through atomic_ref.
struct FakeNames::Header {
  uint32_t next;  // slots claimed so far; never above capacity
};

struct FakeNames::Slot {
  uint32_t ready;  // 0 while empty or being written, 1 once `name` is published
  uint32_t length;
  char name[kMaxFakeNameLength + 1];
};

namespace {

constexpr uint32_t kBlock = 256;
constexpr uint32_t kUsablePerBlock = 254;  // .1 to .254
constexpr uint32_t kRangeSize = ~kFakeMask + 1;

uint32_t load(const uint32_t& value) {
  return std::atomic_ref<uint32_t>(const_cast<uint32_t&>(value)).load(std::memory_order_acquire);
}

}  // namespace

size_t fake_range_capacity() {
  return kRangeSize / kBlock * kUsablePerBlock;
}

uint32_t fake_address_of_index(size_t index) {
  uint32_t host =
      static_cast<uint32_t>(index / kUsablePerBlock * kBlock + index % kUsablePerBlock + 1);
  return kFakeNetwork + host;
}

std::optional<size_t> fake_index_of_address(uint32_t ip) {
  if (!is_fake_address(ip)) return std::nullopt;
  uint32_t host = ip - kFakeNetwork;
  uint32_t low = host % kBlock;
  if (low == 0 || low == kBlock - 1) return std::nullopt;
  return static_cast<size_t>(host / kBlock * kUsablePerBlock + low - 1);
}

std::string normalize_fake_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxFakeNameLength) return {};
  std::string out(name);
  for (char& c : out) {
    if (c <= ' ' || c > '~') return {};
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::unique_ptr<FakeNames> FakeNames::create(size_t capacity) {
  capacity = std::min(capacity, fake_range_capacity());
  size_t bytes = sizeof(Header) + capacity * sizeof(Slot);
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return nullptr;
  return std::make_unique<FakeNames>(Key{}, base, bytes, capacity);
}

FakeNames::FakeNames(Key, void* base, size_t bytes, size_t capacity)
    : base_(base), bytes_(bytes), capacity_(capacity) {}

FakeNames::~FakeNames() {
  munmap(base_, bytes_);
}

const FakeNames::Slot* FakeNames::slot(size_t index) const {
  auto* first = reinterpret_cast<const Slot*>(static_cast<const char*>(base_) + sizeof(Header));
  return first + index;
}

FakeNames::Slot* FakeNames::slot(size_t index) {
  auto* first = reinterpret_cast<Slot*>(static_cast<char*>(base_) + sizeof(Header));
  return first + index;
}

size_t FakeNames::size() const {
  return load(static_cast<const Header*>(base_)->next);
}

std::optional<uint32_t> FakeNames::find_normalized(const std::string& name) const {
  size_t claimed = size();
  for (size_t i = 0; i < claimed; ++i) {
    const Slot* s = slot(i);
    if (load(s->ready) == 1 && s->length == name.size() &&
        std::memcmp(s->name, name.data(), name.size()) == 0) {
      return fake_address_of_index(i);
    }
  }
  return std::nullopt;
}

std::optional<uint32_t> FakeNames::find(std::string_view name) const {
  std::string normal = normalize_fake_name(name);
  if (normal.empty()) return std::nullopt;
  return find_normalized(normal);
}

std::optional<uint32_t> FakeNames::assign(std::string_view name) {
  std::string normal = normalize_fake_name(name);
  if (normal.empty()) return std::nullopt;
  if (std::optional<uint32_t> known = find_normalized(normal)) return known;
  std::atomic_ref<uint32_t> next(static_cast<Header*>(base_)->next);
  uint32_t index = next.load(std::memory_order_acquire);
  do {
    if (index >= capacity_) return std::nullopt;  // full: no recycling (see header)
  } while (!next.compare_exchange_weak(index, index + 1, std::memory_order_acq_rel));
  Slot* s = slot(index);
  std::memcpy(s->name, normal.data(), normal.size());
  s->name[normal.size()] = '\0';
  s->length = static_cast<uint32_t>(normal.size());
  std::atomic_ref<uint32_t>(s->ready).store(1, std::memory_order_release);
  // Another thread or process may have published the same name meanwhile; the lowest slot
  // wins, so every caller ends up with one address (the other slot still maps back correctly).
  return find_normalized(normal);
}

std::optional<std::string> FakeNames::name_of(uint32_t ip) const {
  std::optional<size_t> index = fake_index_of_address(ip);
  if (!index || *index >= size()) return std::nullopt;
  const Slot* s = slot(*index);
  if (load(s->ready) != 1) return std::nullopt;
  return std::string(s->name, s->length);
}

}  // namespace socks4
