// Something counted in a registry for as long as its holder lives (a client slot, a primary
// connection, a waiting BIND, a per-source count): the holder moves with its connection (from
// Session to Relay), never copies, and gives the count back exactly once. `Ticket` says what to
// give back: a small struct with `void release() const`. Empty when default-constructed or
// moved from.
#pragma once

#include <optional>
#include <utility>

namespace sockd {

template <typename Ticket>
class Held {
 public:
  Held() = default;
  explicit Held(const Ticket& ticket) : ticket_(ticket) {}
  Held(Held&& other) noexcept : ticket_(std::exchange(other.ticket_, std::nullopt)) {}
  Held& operator=(Held&& other) noexcept {
    std::swap(ticket_, other.ticket_);  // what this held is given back when `other` ends
    return *this;
  }
  ~Held() {
    if (ticket_) ticket_->release();
  }

 private:
  std::optional<Ticket> ticket_;
};

}  // namespace sockd
