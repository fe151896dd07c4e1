#include "sockd_process.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

}  // namespace

std::string sockd_binary() {
  if (const char* env = std::getenv("SOCKD_BIN"); env && *env) return env;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "sockd";
  return (self.parent_path().parent_path() / "sockd").string();
}

std::string loopback_resolv_conf() {
  return "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";
}

SockdProcess::SockdProcess(SockdOptions options) : options_(std::move(options)) {
  const std::string hosts = dir_.write("hosts", options_.hosts);
  const std::string resolv = dir_.write("resolv.conf", loopback_resolv_conf());
  config_path_ = dir_.write("sockd.conf", !options_.full_config.empty()
                                              ? options_.full_config
                                              : "hosts_file " + hosts + "\nresolv_conf " + resolv +
                                                    "\n" + options_.config);
  log_path_ = dir_.file("sockd.stderr");
}

SockdProcess::~SockdProcess() {
  const pid_t pid = process_.pid();
  if (process_.running()) process_.stop();
  const char* keep_dir = std::getenv("SOCKD_LOG_DIR");
  if (!keep_dir || !*keep_dir || pid <= 0) return;
  std::error_code ignored;
  std::filesystem::copy_file(log_path_,
                             std::string(keep_dir) + "/sockd-" + std::to_string(pid) + ".stderr",
                             std::filesystem::copy_options::overwrite_existing, ignored);
}

bool SockdProcess::start(milliseconds timeout) {
  LaunchOptions launch;
  launch.argv = options_.command_prefix;
  launch.argv.insert(launch.argv.end(), {sockd_binary(), "-F"});
  if (!options_.listen.empty()) launch.argv.insert(launch.argv.end(), {"-l", options_.listen});
  if (options_.write_config) {
    launch.argv.push_back("-f");
    launch.argv.push_back(config_path_);
  }
  launch.argv.insert(launch.argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  launch.stderr_path = log_path_;
  launch.stdout_path = dir_.file("sockd.stdout");
  if (access(sockd_binary().c_str(), X_OK) != 0) {
    error_ = "sockd binary not found or not executable: " + sockd_binary();
    return false;
  }
  process_ = ChildProcess(launch);
  if (process_.pid() <= 0) {
    error_ = "fork failed";
    return false;
  }
  static const std::regex listening(R"(listening on (?:[0-9.]+|\[[0-9a-f:]+\]):([0-9]+))");
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::smatch m;
    const std::string text = log();
    if (std::regex_search(text, m, listening)) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
      return true;
    }
    if (!process_.running()) {
      error_ = "sockd exited before listening; stderr:\n" + text;
      return false;
    }
    if (Clock::now() >= deadline) {
      error_ = "no 'listening on' line within the timeout; stderr:\n" + text;
      return false;
    }
    std::this_thread::sleep_for(options_.ready_poll);
  }
}

bool starts_as_sockd_line(const std::string& line, pid_t pid, bool stamped) {
  static const std::regex stamp(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d )");
  std::smatch m;
  size_t at = 0;
  if (stamped) {
    if (!std::regex_search(line, m, stamp)) return false;
    at = static_cast<size_t>(m.length(0));
  }
  return line.substr(at).starts_with("sockd[" + std::to_string(pid) + "]: ");
}

std::string SockdProcess::log() const {
  return read_text_file(options_.log_file.empty() ? log_path_ : options_.log_file);
}

bool SockdProcess::wait_for_log(const std::string& needle, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (log().find(needle) == std::string::npos) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

std::vector<std::string> SockdProcess::log_lines_with(
    const std::vector<std::string>& needles) const {
  std::vector<std::string> out;
  std::istringstream in(log());
  for (std::string line; std::getline(in, line);) {
    bool all = true;
    for (const auto& n : needles) all = all && line.find(n) != std::string::npos;
    if (all) out.push_back(line);
  }
  return out;
}

}  // namespace socks4::test
