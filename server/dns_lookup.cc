#include "dns_lookup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

namespace sockd {

struct DnsLookup::Token {
  DnsLookup* owner;  // nullptr once the owner has cancelled
  evdns_getaddrinfo_request* request = nullptr;
  bool completed = false;  // answered inside start(): start() frees the token
};

namespace {

// resolv.conf's nameservers and options. Not its search list: a 4a name is a complete name,
// resolved as given, or `denied` would reach denied.example through `search example` past a
// rule that denies denied.example. Not DNS_OPTION_HOSTSFILE: that would read /etc/hosts, and
// the configured hosts_file replaces it.
constexpr int kResolvConfOptions =
    DNS_OPTION_NAMESERVERS | DNS_OPTION_MISC | DNS_OPTION_NAMESERVERS_NO_DEFAULT;

void load_files(evdns_base* dns, const std::string& resolv_conf, const std::string& hosts_file,
                const std::string& unresolved_fate, std::vector<std::string>* warnings) {
  // With DNS_OPTION_NAMESERVERS_NO_DEFAULT, evdns reports neither an empty file nor a missing
  // one (status 1 only): the count of nameservers says it.
  int status = evdns_base_resolv_conf_parse(dns, kResolvConfOptions, resolv_conf.c_str());
  if (status != 0)
    warnings->push_back("cannot use " + resolv_conf + " (evdns status " + std::to_string(status) +
                        ")");
  if (evdns_base_count_nameservers(dns) == 0)
    warnings->push_back("no nameserver in " + resolv_conf + ": 4a names not in " + hosts_file +
                        " " + unresolved_fate);
  if (evdns_base_load_hosts(dns, hosts_file.c_str()) != 0)
    warnings->push_back("cannot read hosts file " + hosts_file);
}

// "cannot read PATH: REASON", or empty when PATH opens for reading.
std::string unreadable(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return "cannot read " + path + ": " + strerror(errno);
  close(fd);
  return {};
}

}  // namespace

EvdnsBasePtr make_resolver(event_base* base, const std::string& resolv_conf,
                           const std::string& hosts_file, const std::string& unresolved_fate,
                           std::vector<std::string>* warnings) {
  EvdnsBasePtr dns(evdns_base_new(base, 0));
  if (!dns) return dns;
  load_files(dns.get(), resolv_conf, hosts_file, unresolved_fate, warnings);
  return dns;
}

void reload_resolver(evdns_base* dns, const std::string& resolv_conf, const std::string& hosts_file,
                     const std::string& unresolved_fate, std::vector<std::string>* warnings) {
  evdns_base_clear_nameservers_and_suspend(dns);
  evdns_base_search_clear(dns);
  evdns_base_clear_host_addresses(dns);
  load_files(dns, resolv_conf, hosts_file, unresolved_fate, warnings);
  evdns_base_resume(dns);
}

std::vector<std::string> check_resolver_files(const std::string& resolv_conf,
                                              const std::string& hosts_file,
                                              const std::string& unresolved_fate) {
  std::vector<std::string> problems;
  for (const std::string* path : {&resolv_conf, &hosts_file}) {
    if (std::string problem = unreadable(*path); !problem.empty()) problems.push_back(problem);
  }
  EventBasePtr base(event_base_new());
  if (!base) return problems;
  std::vector<std::string> warnings;
  EvdnsBasePtr dns = make_resolver(base.get(), resolv_conf, hosts_file, unresolved_fate, &warnings);
  // A missing file is already named above, with its reason.
  for (std::string& warning : warnings) {
    if (warning.starts_with("no nameserver")) problems.push_back(std::move(warning));
  }
  return problems;
}

const char* DnsLookup::error_text(int error) {
  return error == kNoNameserver ? "no nameserver configured" : evutil_gai_strerror(error);
}

void DnsLookup::start(event_base* base, evdns_base* dns, const std::string& name, Done done) {
  cancel();
  done_ = std::move(done);
  evutil_addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  auto token = std::make_unique<Token>(Token{this});
  base_ = base;
  evdns_getaddrinfo_request* request;
  {
    auto starting = deferred_.starting();
    request =
        evdns_getaddrinfo(dns, name.c_str(), nullptr, &hints, &DnsLookup::on_result, token.get());
  }
  if (token->completed) return;  // on_result has deferred the report
  token->request = request;
  if (evdns_base_count_nameservers(dns) == 0) {
    // Not in the hosts file (that answers inside the call), and no server to ask: evdns would
    // hold the request until the owner's time limit. Give it back and refuse now.
    Token* abandoned = token.release();  // the callback frees it
    abandoned->owner = nullptr;
    evdns_getaddrinfo_cancel(request);
    early_error_ = kNoNameserver;
    deferred_.schedule(base_, &DnsLookup::on_early_result, this);
    return;
  }
  token_ = token.release();  // the callback frees it
}

void DnsLookup::cancel() {
  deferred_.cancel();
  early_result_.reset();
  if (token_) {
    Token* token = std::exchange(token_, nullptr);
    token->owner = nullptr;
    // Calls back (now or later) with EVUTIL_EAI_CANCEL; the callback frees the token.
    evdns_getaddrinfo_cancel(token->request);
  }
}

void DnsLookup::on_result(int error, evutil_addrinfo* result, void* arg) {
  auto* raw = static_cast<Token*>(arg);
  AddrinfoPtr owned(result);
  if (raw->owner && raw->owner->deferred_.inside_start()) {
    DnsLookup* owner = raw->owner;
    raw->completed = true;
    owner->early_error_ = error;
    owner->early_result_ = std::move(owned);
    owner->deferred_.schedule(owner->base_, &DnsLookup::on_early_result, owner);
    return;
  }
  std::unique_ptr<Token> token(raw);
  DnsLookup* owner = token->owner;
  if (!owner) return;
  owner->token_ = nullptr;
  Done done = std::move(owner->done_);
  done(error, std::move(owned));  // may destroy the owner: nothing after this
}

void DnsLookup::on_early_result(void* self) {
  auto* lookup = static_cast<DnsLookup*>(self);
  int error = lookup->early_error_;
  AddrinfoPtr result = std::move(lookup->early_result_);
  Done done = std::move(lookup->done_);
  done(error, std::move(result));
}

}  // namespace sockd
