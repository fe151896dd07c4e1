#include "firewall_bed.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <thread>

namespace socks4::test {
namespace {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

}  // namespace

const std::string FirewallBed::kSockdAddress = std::string(Testbed::kFwLanIp) + ":1080";

FirewallBed::FirewallBed(int firewalls) {
  if (geteuid() != 0 && !in_ci()) {
    skip_reason_ = "network namespaces need root (run as root, or with CI=true to insist)";
    return;
  }
  bed_ = std::make_unique<Testbed>(firewalls);
  files_ = std::make_unique<TempDir>();
  if (!bed_->up()) fail("cannot build the test bed: " + bed_->error());
}

FirewallBed::~FirewallBed() {
  sockds_.clear();
  other_sockds_.clear();
  servers_.clear();
  if (bed_) bed_->down();
}

bool FirewallBed::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
  return false;
}

bool FirewallBed::start_server(const std::string& name, const std::string& ns,
                               std::vector<std::string> argv, const std::string& ready_text,
                               std::chrono::milliseconds timeout) {
  if (!usable()) return false;
  LaunchOptions options;
  options.argv = Testbed::in(ns, std::move(argv));
  options.stdout_path = files_->file(name + ".out");
  options.stderr_path = files_->file(name + ".err");
  servers_.push_back(std::make_unique<ChildProcess>(options));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::string output = read_text_file(options.stdout_path) + read_text_file(options.stderr_path);
    if (output.find(ready_text) != std::string::npos) return true;
    if (!servers_.back()->running() || std::chrono::steady_clock::now() >= deadline)
      return fail(name + " server in " + ns + " did not start: " + output);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool FirewallBed::start_wan_http(const std::string& directory, const std::string& port) {
  if (!usable()) return false;
  return start_server("http", bed_->wan(),
                      {"/usr/bin/python3", "-u", "-m", "http.server", port, "--bind",
                       Testbed::kWanIp, "--directory", directory},
                      "Serving HTTP");
}

bool FirewallBed::start_sockd(const std::string& rules) {
  return start_another_sockd("listen " + kSockdAddress + "\n" + rules);
}

bool FirewallBed::start_another_sockd(const std::string& config) {
  if (!usable()) return false;
  SockdOptions options;
  options.command_prefix = Testbed::in(bed_->fw(), {});
  options.listen = "";  // from the config's listen directive
  options.full_config = "hosts_file " + bed_->fw_hosts_file() + "\nresolv_conf " +
                        bed_->fw_resolv_conf() + "\n" + config;
  sockds_.push_back(std::make_unique<SockdProcess>(options));
  if (!sockds_.back()->start())
    return fail("sockd in fw did not start: " + sockds_.back()->error());
  return true;
}

SockdProcess* FirewallBed::start_sockd_in(const std::string& ns, const std::string& listen,
                                          const std::string& rules) {
  if (!usable()) return nullptr;
  SockdOptions options;
  options.command_prefix = Testbed::in(ns, {});
  options.listen = "";
  options.full_config = "listen " + listen + "\nhosts_file /etc/netns/" + ns +
                        "/hosts\nresolv_conf /etc/netns/" + ns + "/resolv.conf\n" + rules;
  other_sockds_.push_back(std::make_unique<SockdProcess>(options));
  if (!other_sockds_.back()->start()) {
    fail("sockd in " + ns + " on " + listen + " did not start: " + other_sockds_.back()->error());
    return nullptr;
  }
  return other_sockds_.back().get();
}

void FirewallBed::print_sockd_log() const {
  for (size_t i = 0; i < sockds_.size(); ++i)
    std::cerr << "--- sockd " << i << " stderr:\n" << sockds_[i]->log() << "---\n";
  for (const auto& other : other_sockds_)
    std::cerr << "--- another sockd's stderr:\n" << other->log() << "---\n";
}

}  // namespace socks4::test
