// sockd: the SOCKS 4/4a server. Reads the options and the config, binds the listening sockets,
// becomes a daemon, drops privileges, then runs one event loop per worker thread while the
// main thread waits for signals (SIGTERM/SIGINT stop, SIGHUP reloads the config).
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "check_mode.h"
#include "dns_lookup.h"
#include "libevent_ptr.h"
#include "listen_sockets.h"
#include "log.h"
#include "options.h"
#include "process.h"
#include "server_context.h"
#include "worker.h"

namespace sockd {
namespace {

enum ExitStatus { kExitOk = 0, kExitConfig = 1, kExitUsage = 2, kExitListen = 3 };

// Command-line settings that replace the file's (at start and at every reload).
void apply_overrides(const Options& options, socks4::conf::Config& config) {
  if (options.identd) config.settings.identd = *options.identd;
}

// The config to run with, or nullopt after printing its diagnostics.
std::optional<socks4::conf::Config> load_config(const Options& options) {
  std::optional<socks4::conf::Config> config;
  if (options.config_path.empty()) {
    config = socks4::conf::default_config();
  } else {
    socks4::conf::ParseOutcome outcome = socks4::conf::parse_file(options.config_path);
    for (const auto& diagnostic : outcome.errors)
      fprintf(stderr, "%s\n", diagnostic.to_string().c_str());
    config = std::move(outcome.config);
  }
  if (config) apply_overrides(options, *config);
  return config;
}

std::vector<socks4::conf::ListenAddress> listen_addresses(const Options& options,
                                                          const socks4::conf::Config& config) {
  if (!options.listen.empty()) return options.listen;
  if (!config.settings.listen.empty()) return config.settings.listen;
  return {{"127.0.0.1", 1080}};
}

int thread_count(const Options& options, const socks4::conf::Config& config) {
  int threads = options.threads.value_or(config.settings.threads);
  if (threads > 0) return threads;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 ? static_cast<int>(std::min<long>(cores, kMaxThreads)) : 1;
}

std::string listen_text(const std::vector<socks4::conf::ListenAddress>& addresses) {
  std::string text;
  for (const auto& address : addresses) {
    if (!text.empty()) text += " ";
    bool v6 = address.host.find(':') != std::string::npos;
    text += (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
  }
  return text;
}

int check_config(const Options& options, const socks4::conf::Config& config) {
  for (const std::string& problem :
       check_resolver_files(config.settings.resolv_conf, config.settings.hosts_file))
    fprintf(stderr, "sockd: warning: %s\n", problem.c_str());
  printf("%s: OK: %zu rules; listen %s; %d threads\n",
         options.config_path.empty() ? "built-in configuration" : options.config_path.c_str(),
         config.rules.size(), listen_text(listen_addresses(options, config)).c_str(),
         thread_count(options, config));
  return kExitOk;
}

class Server {
 public:
  Server(const Options& options, socks4::conf::Config config)
      : options_(options), config_(std::move(config)) {}

  int run();

 private:
  static void on_signal(evutil_socket_t signal, short, void* arg);
  // SIGCHLD and a one-second tick: reap shell commands, kill those past their time limit.
  static void on_shell_tick(evutil_socket_t, short, void* arg);
  void reload();
  void fail(const std::string& message);

  const Options& options_;
  socks4::conf::Config config_;  // the startup config (moved into the context once running)
  ServerContext context_;
  bool logging_to_syslog_ = false;
  std::vector<std::unique_ptr<Worker>> workers_;
  EventBasePtr base_;
  std::vector<EventPtr> signals_;
  EventPtr shell_tick_;
};

// Startup failures also go to stderr when the log goes to syslog: someone is watching.
void Server::fail(const std::string& message) {
  log::error("%s", message.c_str());
  if (logging_to_syslog_) fprintf(stderr, "sockd: %s\n", message.c_str());
}

int Server::run() {
  const auto& settings = config_.settings;
  log::Target target = settings.log == socks4::conf::LogTarget::kSyslog   ? log::Target::kSyslog
                       : settings.log == socks4::conf::LogTarget::kStderr ? log::Target::kStderr
                       : settings.log == socks4::conf::LogTarget::kFile
                           ? log::Target::kFile
                           : (options_.foreground ? log::Target::kStderr : log::Target::kSyslog);
  logging_to_syslog_ = target == log::Target::kSyslog;
  std::string error;
  if (target == log::Target::kFile && !log::open_file(settings.log_file, &error)) {
    fail(error);
    return kExitConfig;
  }
  log::use_json(settings.log_format == socks4::conf::LogFormat::kJson);
  if (!log::init(target, settings.syslog_facility, options_.debug))
    log::warning("unknown syslog facility '%s', using daemon", settings.syslog_facility.c_str());

  log::capture_libevent_messages();
  const int threads = thread_count(options_, config_);
  std::vector<BoundAddress> bound;
  if (!bind_listen_sockets(listen_addresses(options_, config_), threads, &bound, &error)) {
    fail(error);
    return kExitListen;
  }
  if (!options_.foreground) {
    if (!daemonize(target == log::Target::kStderr, &error)) {
      fail(error);
      return kExitConfig;
    }
    log::refresh_pid();
  }
  if (!options_.pid_file.empty() && !write_pid_file(options_.pid_file, &error)) {
    fail(error);
    return kExitConfig;
  }
  if (!settings.user.empty() && !drop_privileges(settings.user, &error)) {
    fail(error);
    return kExitConfig;
  }

  const std::string source = options_.config_path.empty() ? "built-in" : options_.config_path;
  context_.use_splice = options_.use_splice;
  // Two per thread: when every worker refuses at once, one that loses a race for the freed
  // number still finds another.
  if (!context_.descriptor_reserve.fill(2 * static_cast<size_t>(threads)))
    log::warning(
        "cannot open /dev/null (%s): without a reserve, clients will wait unanswered "
        "when descriptors run out",
        strerror(errno));
  context_.config.store(make_active_config(std::move(config_), source));
  for (int i = 0; i < threads; ++i) {
    std::vector<socks4::UniqueFd> sockets;
    for (auto& address : bound) sockets.push_back(std::move(address.sockets[i]));
    workers_.push_back(std::make_unique<Worker>(context_, i, std::move(sockets)));
    if (!workers_.back()->init(&error)) {
      fail(error);
      return kExitConfig;
    }
  }

  base_.reset(event_base_new());
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) {
    signals_.emplace_back(evsignal_new(base_.get(), signal, &Server::on_signal, this));
    if (!signals_.back() || event_add(signals_.back().get(), nullptr) != 0) {
      fail("cannot install signal handlers");
      return kExitConfig;
    }
  }
  signals_.emplace_back(evsignal_new(base_.get(), SIGCHLD, &Server::on_shell_tick, this));
  shell_tick_.reset(event_new(base_.get(), -1, EV_PERSIST, &Server::on_shell_tick, this));
  const timeval second{1, 0};
  if (!signals_.back() || event_add(signals_.back().get(), nullptr) != 0 || !shell_tick_ ||
      event_add(shell_tick_.get(), &second) != 0) {
    fail("cannot install the SIGCHLD handler");
    return kExitConfig;
  }
  // Last, once the pid file is written and the signal handlers are in place: scripts and
  // tests take this line to mean sockd is ready (a SIGHUP before it could have killed sockd).
  for (const auto& address : bound)
    log::info("listening on %s", address.endpoint.to_string().c_str());
  for (auto& worker : workers_) worker->start();
  log::debug("%d worker threads, %s relay", threads, options_.use_splice ? "splice" : "buffered");
  event_base_dispatch(base_.get());

  // Every loop stops before any worker closes its connections: descriptor numbers are shared
  // by the whole process, and a running loop must never see a number another thread released.
  for (auto& worker : workers_) worker->request_stop();
  for (auto& worker : workers_) worker->join();
  workers_.clear();
  context_.shell.kill_all();
  if (!options_.pid_file.empty()) unlink(options_.pid_file.c_str());
  log::info("stopped");
  return kExitOk;
}

void Server::on_signal(evutil_socket_t signal, short, void* arg) {
  auto* self = static_cast<Server*>(arg);
  if (signal == SIGHUP) {
    self->reload();
    return;
  }
  if (signal == SIGUSR1) return log::reopen_on_sigusr1();
  log::info("%s: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
  event_base_loopbreak(self->base_.get());
}

void Server::on_shell_tick(evutil_socket_t, short, void* arg) {
  static_cast<Server*>(arg)->context_.shell.tick();
}

void Server::reload() {
  if (options_.config_path.empty()) {
    log::info("SIGHUP: no config file to re-read (running with the built-in configuration)");
    return;
  }
  socks4::conf::ParseOutcome outcome = socks4::conf::parse_file(options_.config_path);
  if (!outcome.config) {
    log::error("SIGHUP: %s has errors; keeping the old configuration",
               options_.config_path.c_str());
    for (const auto& diagnostic : outcome.errors) log::error("%s", diagnostic.to_string().c_str());
    return;
  }
  apply_overrides(options_, *outcome.config);
  auto old = context_.config.load();
  const auto& before = old->config.settings;
  const auto& after = outcome.config->settings;
  if (before.listen != after.listen || before.threads != after.threads ||
      before.user != after.user || before.log != after.log ||
      before.syslog_facility != after.syslog_facility || before.log_file != after.log_file ||
      before.log_format != after.log_format) {
    log::warning("SIGHUP: changes to listen, threads, user and log take effect at restart");
  }
  size_t rules = outcome.config->rules.size();
  context_.config.store(make_active_config(std::move(*outcome.config), options_.config_path));
  for (auto& worker : workers_) worker->request_reload();
  log::info("SIGHUP: reloaded %s (%zu rules)", options_.config_path.c_str(), rules);
}

}  // namespace
}  // namespace sockd

int main(int argc, char** argv) {
  using namespace sockd;
  signal(SIGPIPE, SIG_IGN);
  OptionsParse parsed = parse_options({argv + 1, static_cast<size_t>(argc > 0 ? argc - 1 : 0)});
  if (!parsed.options) {
    fprintf(stderr, "sockd: %s\nTry 'sockd --help' for more information.\n", parsed.error.c_str());
    return kExitUsage;
  }
  const Options& options = *parsed.options;
  if (options.help) {
    fputs(usage_text().c_str(), stdout);
    return kExitOk;
  }
  if (options.version) {
    printf("%.*s\n", static_cast<int>(kVersionLine.size()), kVersionLine.data());
    return kExitOk;
  }
  std::optional<socks4::conf::Config> config = load_config(options);
  if (!config) return kExitConfig;
  if (!options.check_request.empty()) {
    return run_check_request(*config,
                             options.config_path.empty() ? "built-in" : options.config_path,
                             options.check_request);
  }
  if (options.check) return check_config(options, *config);
  Server server(options, std::move(*config));
  return server.run();
}
