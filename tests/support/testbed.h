// The firewall test bed of docs/ARCHITECTURE.md, "Test beds", built from network namespaces (needs
// root):
//
//   lan 192.0.2.2/24 ── 192.0.2.1/24 fw 198.51.100.1/24 ── 198.51.100.2/24 wan
//                                  (ip_forward=0)
//
// lan and wan route everything via fw, and fw does not forward, so lan reaches wan only
// through a proxy on fw. Names are unique per process (s4t-<pid>-lan|fw|wan). Each namespace
// gets /etc/netns/<name>/{hosts,resolv.conf} (resolver 127.0.0.1, nothing answers); only fw's
// hosts file names the wan host. Everything is removed by down() / the destructor.
//
// With two firewalls (Testbed(2)), for chained SOCKS servers:
//
//   lan 192.0.2.2 ── 192.0.2.1 fw 203.0.113.1 ── 203.0.113.2 fw2 198.51.100.1 ── 198.51.100.2 wan
//
// fw (the inner firewall) reaches only lan and fw2, fw2 only fw and wan; neither forwards, and
// only fw2's hosts file names the wan host.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "child_process.h"

namespace socks4::test {

class Testbed {
 public:
  static constexpr const char* kLanIp = "192.0.2.2";
  static constexpr const char* kFwLanIp = "192.0.2.1";
  static constexpr const char* kFwWanIp = "198.51.100.1";
  static constexpr const char* kWanIp = "198.51.100.2";
  static constexpr const char* kWanName = "www.wan.test";  // resolvable only in fw (fw2)
  // Two firewalls: the network between them.
  static constexpr const char* kFwDmzIp = "203.0.113.1";
  static constexpr const char* kFw2DmzIp = "203.0.113.2";

  // `firewalls`: 1 (lan | fw | wan) or 2 (lan | fw | fw2 | wan).
  explicit Testbed(int firewalls = 1);
  ~Testbed() { down(); }
  Testbed(const Testbed&) = delete;
  Testbed& operator=(const Testbed&) = delete;

  // Builds the namespaces; false with the failing command and its output in error(). First
  // removes test beds left by test processes that no longer exist (killed before teardown).
  bool up();
  // Removes namespaces and /etc/netns directories this object created. Safe to repeat.
  void down();

  const std::string& lan() const { return lan_; }
  const std::string& fw() const { return fw_; }
  const std::string& wan() const { return wan_; }
  const std::string& fw2() const { return fw2_; }  // empty with one firewall
  const std::string& error() const { return error_; }

  // /etc/netns/<fw>/... : the files sockd in fw should use.
  std::string fw_hosts_file() const { return "/etc/netns/" + fw_ + "/hosts"; }
  std::string fw_resolv_conf() const { return "/etc/netns/" + fw_ + "/resolv.conf"; }

  // argv prefixed with "ip netns exec <ns>".
  static std::vector<std::string> in(const std::string& ns, std::vector<std::string> argv);
  // Runs argv inside `ns`, bounded by `timeout`.
  static CommandResult run_in(const std::string& ns, std::vector<std::string> argv,
                              std::chrono::milliseconds timeout);
  // The socksify of this build tree (next to tests/), for suites that run programs under it.
  static std::string socksify_path();

 private:
  bool run(const std::vector<std::string>& argv);
  static void remove_stale_beds();
  bool write_netns_files(const std::string& ns, const std::string& hosts);
  bool wire_two_firewalls();

  int firewalls_;
  std::string lan_, fw_, fw2_, wan_;
  std::vector<std::string> created_namespaces_;
  std::vector<std::string> created_dirs_;
  std::string error_;
};

}  // namespace socks4::test
