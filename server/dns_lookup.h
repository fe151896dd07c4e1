// One 4a name lookup through evdns, made safe to abandon: the owner may cancel it or be
// destroyed at any time, and its callback never runs from inside start() (deferred_call.h).
//
// evdns_getaddrinfo may call back before it returns (numeric names, hosts file, early
// errors), calls back exactly once even after cancel, and leaves the result to the caller; a
// heap token that outlives the owner absorbs the last two.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "deferred_call.h"
#include "libevent_ptr.h"

namespace sockd {

// Creates a resolver for `base` that reads only the given files: nameservers and options from
// `resolv_conf` (never its search list: names are resolved as given), names from `hosts_file`
// (never the system's defaults).
// Problems are appended to `warnings`, one sentence each (the resolver still works for what
// loaded). A resolv.conf without nameserver lines is one: evdns then has no server to ask and
// reports nothing, so DnsLookup refuses names the hosts file does not know (kNoNameserver).
// `unresolved_fate` ends that warning: what then becomes of such a name ("are refused", or the
// next hop it is passed on to: outbound_route.h unresolved_names_fate).
EvdnsBasePtr make_resolver(event_base* base, const std::string& resolv_conf,
                           const std::string& hosts_file, const std::string& unresolved_fate,
                           std::vector<std::string>* warnings);

// Re-reads the files into an existing resolver (SIGHUP).
void reload_resolver(evdns_base* dns, const std::string& resolv_conf, const std::string& hosts_file,
                     const std::string& unresolved_fate, std::vector<std::string>* warnings);

// For `sockd -n`: each file that cannot be opened for reading (with the reason), then what
// make_resolver would warn of. Empty when the resolver would load both files and have a
// nameserver.
std::vector<std::string> check_resolver_files(const std::string& resolv_conf,
                                              const std::string& hosts_file,
                                              const std::string& unresolved_fate);

class DnsLookup {
 public:
  // error is 0, an EVUTIL_EAI_* code or kNoNameserver (error_text explains each).
  using Done = std::function<void(int error, AddrinfoPtr result)>;
  // The name is not in the hosts file and the resolver has no nameserver to ask.
  static constexpr int kNoNameserver = -1'000'000;
  static const char* error_text(int error);

  DnsLookup() = default;
  DnsLookup(const DnsLookup&) = delete;
  DnsLookup& operator=(const DnsLookup&) = delete;
  ~DnsLookup() { cancel(); }

  // Looks up A and AAAA records for `name`; `done` runs later from the event loop, once.
  void start(event_base* base, evdns_base* dns, const std::string& name, Done done);
  // `done` will not run.
  void cancel();
  bool pending() const { return token_ != nullptr || deferred_.scheduled(); }

 private:
  struct Token;
  static void on_result(int error, evutil_addrinfo* result, void* arg);
  static void on_early_result(void* self);

  event_base* base_ = nullptr;
  Token* token_ = nullptr;  // owned by the evdns callback while a request is in flight
  Done done_;
  // A result that arrived inside start(), delivered on the next loop pass.
  DeferredCall deferred_;
  int early_error_ = 0;
  AddrinfoPtr early_result_;
};

}  // namespace sockd
