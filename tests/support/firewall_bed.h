// The firewall test bed (testbed.h) with the parts every end-to-end suite needs: the decision
// to run or skip, a scratch directory, servers started in a namespace and awaited until they
// say they are ready, and sockd on fw serving the lan. One instance per test suite:
//
//   static void SetUpTestSuite() {
//     bed_ = std::make_unique<FirewallBed>();
//     bed_->start_server(...);   // each step does nothing once one has failed
//     bed_->start_sockd();
//   }
//   void SetUp() override { FIREWALL_BED_SET_UP(bed_); }
//
// Needs root. Under CI=true a bed that cannot be built fails every test (never a silent
// skip); elsewhere, without root, the tests are skipped with the reason.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "child_process.h"
#include "sockd_process.h"
#include "temp_dir.h"
#include "testbed.h"

namespace socks4::test {

class FirewallBed {
 public:
  // "192.0.2.1:1080": where sockd listens on fw, facing the lan.
  static const std::string kSockdAddress;
  // The lan network, as a sockd.conf rule body.
  static constexpr const char* kPermitLan = "permit 192.0.2.0 255.255.255.0\n";

  // Builds the bed (`firewalls`: see Testbed) unless it must be skipped; see skip_reason() and
  // error().
  explicit FirewallBed(int firewalls = 1);
  // Processes first (they live in the namespaces), then the namespaces and /etc/netns files.
  ~FirewallBed();
  FirewallBed(const FirewallBed&) = delete;
  FirewallBed& operator=(const FirewallBed&) = delete;

  // Non-empty: the tests should be skipped, for this reason.
  const std::string& skip_reason() const { return skip_reason_; }
  // Non-empty: the first thing that went wrong (the tests should fail with it).
  const std::string& error() const { return error_; }
  bool usable() const { return skip_reason_.empty() && error_.empty(); }

  Testbed& bed() { return *bed_; }
  TempDir& files() { return *files_; }

  // Starts argv inside namespace `ns` and waits (bounded) until its stdout or stderr contains
  // `ready_text`. False, with the reason in error(), if it exits or stays silent. Its output
  // goes to files()/<name>.out and .err.
  bool start_server(const std::string& name, const std::string& ns, std::vector<std::string> argv,
                    const std::string& ready_text,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(15000));

  // Python's http.server on wan (198.51.100.2:`port`) serving `directory`.
  bool start_wan_http(const std::string& directory, const std::string& port = "8080");

  // Starts sockd on fw, listening on kSockdAddress with fw's hosts file and resolver, followed
  // by `rules` (directives and rules).
  bool start_sockd(const std::string& rules = kPermitLan);
  // Starts one more sockd on fw (a fleet behind a load balancer): `config` holds its listen
  // lines, directives and rules; fw's hosts file and resolver come first. sockd(i) is the i-th
  // started, start_sockd()'s included.
  bool start_another_sockd(const std::string& config);
  SockdProcess& sockd(size_t i = 0) { return *sockds_.at(i); }
  size_t sockd_count() const { return sockds_.size(); }
  bool has_sockd() const { return !sockds_.empty(); }
  // Another sockd in namespace `ns` (fw2, or a second one on fw), listening on `listen`
  // ("ADDR:PORT") with that namespace's hosts file and resolver, then `rules`. Owned by the
  // bed, not one of sockd(i); nullptr, with error(), if it did not start.
  SockdProcess* start_sockd_in(const std::string& ns, const std::string& listen,
                               const std::string& rules);
  // To stderr, for a failed test's context (every sockd's).
  void print_sockd_log() const;

 private:
  bool fail(std::string message);

  std::unique_ptr<Testbed> bed_;
  std::unique_ptr<TempDir> files_;
  std::vector<std::unique_ptr<ChildProcess>> servers_;
  std::vector<std::unique_ptr<SockdProcess>> sockds_;        // on fw: start_sockd, fleet
  std::vector<std::unique_ptr<SockdProcess>> other_sockds_;  // start_sockd_in
  std::string skip_reason_;
  std::string error_;
};

// For SetUp(): skip or fail as the bed says.
#define FIREWALL_BED_SET_UP(bed)                                             \
  do {                                                                       \
    if (!(bed)->skip_reason().empty()) GTEST_SKIP() << (bed)->skip_reason(); \
    ASSERT_TRUE((bed)->error().empty()) << (bed)->error();                   \
  } while (0)

}  // namespace socks4::test
