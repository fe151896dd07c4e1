#include "testbed.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "sockd_process.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kCommandTimeout{10000};

std::string join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

Testbed::Testbed(int firewalls) : firewalls_(firewalls) {
  const std::string prefix = "s4t-" + std::to_string(getpid()) + "-";
  lan_ = prefix + "lan";
  fw_ = prefix + "fw";
  if (firewalls_ == 2) fw2_ = prefix + "fw2";
  wan_ = prefix + "wan";
}

std::vector<std::string> Testbed::in(const std::string& ns, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
  return argv;
}

std::string Testbed::socksify_path() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "socksify" : (self.parent_path().parent_path() / "socksify").string();
}

CommandResult Testbed::run_in(const std::string& ns, std::vector<std::string> argv,
                              milliseconds timeout) {
  return run_command(in(ns, std::move(argv)), timeout);
}

bool Testbed::run(const std::vector<std::string>& argv) {
  CommandResult r = run_command(argv, kCommandTimeout);
  if (r.exit_code == 0) return true;
  error_ = "`" + join(argv) + "` failed (exit " + std::to_string(r.exit_code) +
           (r.timed_out ? ", timed out" : "") + "): " + r.err + r.out;
  return false;
}

bool Testbed::write_netns_files(const std::string& ns, const std::string& hosts) {
  const std::string dir = "/etc/netns/" + ns;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    error_ = "cannot create " + dir + ": " + ec.message();
    return false;
  }
  created_dirs_.push_back(dir);
  std::ofstream(dir + "/hosts") << "127.0.0.1 localhost\n" << hosts;
  std::ofstream(dir + "/resolv.conf") << loopback_resolv_conf();
  return std::filesystem::exists(dir + "/resolv.conf");
}

void Testbed::remove_stale_beds() {
  static const std::regex ours(R"(^(s4t-([0-9]+)-(lan|fw2|fw|wan))\b)");
  std::istringstream list(run_command({"ip", "netns", "list"}, kCommandTimeout).out);
  for (std::string line; std::getline(list, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, ours)) continue;
    const pid_t owner = static_cast<pid_t>(std::stol(m[2]));
    if (kill(owner, 0) == 0 || errno != ESRCH) continue;  // its test process is still alive
    run_command({"ip", "netns", "del", m[1]}, kCommandTimeout);
    std::error_code ignored;
    std::filesystem::remove_all("/etc/netns/" + m[1].str(), ignored);
  }
}

bool Testbed::up() {
  remove_stale_beds();
  if (firewalls_ == 2) return wire_two_firewalls();
  for (const std::string& ns : {lan_, fw_, wan_}) {
    if (!run({"ip", "netns", "add", ns})) return false;
    created_namespaces_.push_back(ns);
    if (!run({"ip", "-n", ns, "link", "set", "lo", "up"})) return false;
  }
  const std::string wan_line = std::string(kWanIp) + " " + kWanName + "\n";
  if (!write_netns_files(lan_, "") || !write_netns_files(fw_, wan_line) ||
      !write_netns_files(wan_, ""))
    return false;

  // veth pairs created inside the namespaces, so their names cannot clash with anything.
  return run({"ip", "-n", lan_, "link", "add", "fw0", "type", "veth", "peer", "name", "lan0",
              "netns", fw_}) &&
         run({"ip", "-n", wan_, "link", "add", "fw0", "type", "veth", "peer", "name", "wan0",
              "netns", fw_}) &&
         run({"ip", "-n", lan_, "addr", "add", std::string(kLanIp) + "/24", "dev", "fw0"}) &&
         run({"ip", "-n", fw_, "addr", "add", std::string(kFwLanIp) + "/24", "dev", "lan0"}) &&
         run({"ip", "-n", fw_, "addr", "add", std::string(kFwWanIp) + "/24", "dev", "wan0"}) &&
         run({"ip", "-n", wan_, "addr", "add", std::string(kWanIp) + "/24", "dev", "fw0"}) &&
         run({"ip", "-n", lan_, "link", "set", "fw0", "up"}) &&
         run({"ip", "-n", fw_, "link", "set", "lan0", "up"}) &&
         run({"ip", "-n", fw_, "link", "set", "wan0", "up"}) &&
         run({"ip", "-n", wan_, "link", "set", "fw0", "up"}) &&
         // Routes via fw, so a direct attempt reaches fw and dies there (not "unreachable").
         run({"ip", "-n", lan_, "route", "add", "default", "via", kFwLanIp}) &&
         run({"ip", "-n", wan_, "route", "add", "default", "via", kFwWanIp}) &&
         run(in(fw_, {"sysctl", "-q", "-w", "net.ipv4.ip_forward=0"}));
}

bool Testbed::wire_two_firewalls() {
  for (const std::string& ns : {lan_, fw_, fw2_, wan_}) {
    if (!run({"ip", "netns", "add", ns})) return false;
    created_namespaces_.push_back(ns);
    if (!run({"ip", "-n", ns, "link", "set", "lo", "up"})) return false;
  }
  const std::string wan_line = std::string(kWanIp) + " " + kWanName + "\n";
  if (!write_netns_files(lan_, "") || !write_netns_files(fw_, "") ||
      !write_netns_files(fw2_, wan_line) || !write_netns_files(wan_, ""))
    return false;
  auto addr = [this](const std::string& ns, const char* ip, const char* dev) {
    return run({"ip", "-n", ns, "addr", "add", std::string(ip) + "/24", "dev", dev}) &&
           run({"ip", "-n", ns, "link", "set", dev, "up"});
  };
  return run({"ip", "-n", lan_, "link", "add", "fw0", "type", "veth", "peer", "name", "lan0",
              "netns", fw_}) &&
         run({"ip", "-n", fw_, "link", "add", "dmz0", "type", "veth", "peer", "name", "dmz0",
              "netns", fw2_}) &&
         run({"ip", "-n", wan_, "link", "add", "fw0", "type", "veth", "peer", "name", "wan0",
              "netns", fw2_}) &&
         addr(lan_, kLanIp, "fw0") && addr(fw_, kFwLanIp, "lan0") && addr(fw_, kFwDmzIp, "dmz0") &&
         addr(fw2_, kFw2DmzIp, "dmz0") && addr(fw2_, kFwWanIp, "wan0") &&
         addr(wan_, kWanIp, "fw0") &&
         // lan and wan route via their firewall; the firewalls reach only their neighbours.
         run({"ip", "-n", lan_, "route", "add", "default", "via", kFwLanIp}) &&
         run({"ip", "-n", wan_, "route", "add", "default", "via", kFwWanIp}) &&
         run(in(fw_, {"sysctl", "-q", "-w", "net.ipv4.ip_forward=0"})) &&
         run(in(fw2_, {"sysctl", "-q", "-w", "net.ipv4.ip_forward=0"}));
}

void Testbed::down() {
  for (auto it = created_namespaces_.rbegin(); it != created_namespaces_.rend(); ++it)
    run_command({"ip", "netns", "del", *it}, kCommandTimeout);
  created_namespaces_.clear();
  for (const auto& dir : created_dirs_) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  created_dirs_.clear();
  std::error_code ignored;
  std::filesystem::remove("/etc/netns", ignored);  // only succeeds if now empty
}

}  // namespace socks4::test
