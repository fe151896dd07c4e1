// Owning pointers for libevent objects, so every event, base and resolver is freed exactly once.
#pragma once

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include <memory>

namespace sockd {

struct EventFree {
  void operator()(event* e) const { event_free(e); }
};
struct EventBaseFree {
  void operator()(event_base* base) const { event_base_free(base); }
};
struct EventConfigFree {
  void operator()(event_config* config) const { event_config_free(config); }
};
struct EvdnsBaseFree {
  // Fail (call back) outstanding requests rather than leak them.
  void operator()(evdns_base* dns) const { evdns_base_free(dns, 1); }
};
struct AddrinfoFree {
  void operator()(evutil_addrinfo* info) const { evutil_freeaddrinfo(info); }
};

using EventPtr = std::unique_ptr<event, EventFree>;
using EventBasePtr = std::unique_ptr<event_base, EventBaseFree>;
using EventConfigPtr = std::unique_ptr<event_config, EventConfigFree>;
using EvdnsBasePtr = std::unique_ptr<evdns_base, EvdnsBaseFree>;
using AddrinfoPtr = std::unique_ptr<evutil_addrinfo, AddrinfoFree>;

}  // namespace sockd
