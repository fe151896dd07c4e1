#include "source_limits.h"

#include "log.h"
#include "monotonic_clock.h"

namespace sockd {
namespace {

constexpr const char* kDirective[2] = {"max_connections_per_source", "max_negotiations_per_source"};

}  // namespace

void SourceHold::Ticket::release() const {
  registry->release(address, kind);
}

std::optional<SourceLimits::Admitted> SourceLimits::admit(const Endpoint& peer, int max_connections,
                                                          int max_negotiations) {
  Endpoint address = peer;
  address.port = 0;
  const Key key{address.family, address.address};
  std::vector<std::string> summary;
  int refused_kind = -1;
  int held = 0;
  {
    std::lock_guard lock(mutex_);
    Entry& entry = entries_[key];
    if (max_connections > 0 && entry.held[kConnection] >= max_connections) {
      refused_kind = kConnection;
    } else if (max_negotiations > 0 && entry.held[kNegotiation] >= max_negotiations) {
      refused_kind = kNegotiation;
    }
    if (refused_kind < 0) {
      ++entry.held[kConnection];
      ++entry.held[kNegotiation];
      return Admitted{SourceHold({this, address, kConnection}),
                      SourceHold({this, address, kNegotiation})};
    }
    // Over a limit means the entry holds something: it stays.
    held = entry.held[refused_kind];
    const int64_t now = monotonic_ms();
    if (now < entry.quiet_until_ms) {
      ++entry.unlogged[refused_kind];
      return std::nullopt;
    }
    summary = take_summary(entry, address);
    entry.quiet_until_ms = now + kQuietMs;
  }
  // Logged outside the lock, before the caller's reply (as every refusal is).
  const std::string text = address.address_text();
  for (const std::string& line : summary) log::info("%s", line.c_str());
  if (refused_kind == kConnection) {
    log::info("%s refused: %d connections from %s already (%s) -> rejected",
              peer.to_string().c_str(), held, text.c_str(), kDirective[kConnection]);
  } else {
    log::info("%s refused: %d requests from %s in negotiation already (%s) -> rejected",
              peer.to_string().c_str(), held, text.c_str(), kDirective[kNegotiation]);
  }
  return std::nullopt;
}

void SourceLimits::release(const Endpoint& address, int kind) {
  std::vector<std::string> summary;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(Key{address.family, address.address});
    if (it == entries_.end()) return;
    Entry& entry = it->second;
    --entry.held[kind];
    if (entry.held[kConnection] > 0 || entry.held[kNegotiation] > 0) return;
    summary = take_summary(entry, address);
    entries_.erase(it);
  }
  for (const std::string& line : summary) log::info("%s", line.c_str());
}

std::vector<std::string> SourceLimits::take_summary(Entry& entry, const Endpoint& address) {
  std::vector<std::string> summary;
  for (int kind : {kConnection, kNegotiation}) {
    if (entry.unlogged[kind] == 0) continue;
    summary.push_back(address.address_text() + ": " + std::to_string(entry.unlogged[kind]) +
                      " more clients refused (" + kDirective[kind] + "), not logged one by one");
    entry.unlogged[kind] = 0;
  }
  return summary;
}

}  // namespace sockd
