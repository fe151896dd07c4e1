#include "prometheus.h"

#include <charconv>

namespace sockd::stats {
namespace {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // `labels`: "" or `command="connect",result="granted"` (values already safe).
  void sample(const char* name, const std::string& labels, uint64_t value) {
    head(name, labels);
    out_ += std::to_string(value);
    out_ += '\n';
  }
  void sample(const char* name, const std::string& labels, double value) {
    head(name, labels);
    out_ += number(value);
    out_ += '\n';
  }
  void histogram(const char* name, const Histogram& histogram) {
    const std::string bucket = std::string(name) + "_bucket";
    for (size_t i = 0; i < Histogram::kBoundsUs.size(); ++i) {
      const double le = static_cast<double>(Histogram::kBoundsUs[i]) / 1e6;
      sample(bucket.c_str(), "le=\"" + number(le) + "\"", histogram.cumulative(i));
    }
    sample(bucket.c_str(), "le=\"+Inf\"", histogram.count());
    sample((std::string(name) + "_sum").c_str(), "", histogram.sum_seconds());
    sample((std::string(name) + "_count").c_str(), "", histogram.count());
  }

  static std::string number(double value) {
    char text[32];
    auto [end, ec] = std::to_chars(text, text + sizeof text, value);
    return ec == std::errc{} ? std::string(text, end) : "0";
  }

 private:
  void head(const char* name, const std::string& labels) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
  }
  std::string& out_;
};

std::string one(const char* key, const char* value) {
  return std::string(key) + "=\"" + value + "\"";
}

}  // namespace

std::string render_prometheus(const Report& report) {
  std::string out;
  out.reserve(8192 + report.rule_lines.size() * 48);
  Writer w(out);
  const WorkerCounters& t = report.totals;

  w.family("sockd_requests_total", "counter", "SOCKS requests by command and result.");
  for (socks4::Command command : {socks4::Command::kConnect, socks4::Command::kBind})
    for (Result result : {Result::kGranted, Result::kRejected, Result::kFailed})
      w.sample("sockd_requests_total",
               one("command", command_label(command)) + "," + one("result", label(result)),
               t.requests[command == socks4::Command::kBind ? 1 : 0][static_cast<size_t>(result)]);
  w.family("sockd_rejections_total", "counter", "Clients refused, by reason.");
  for (size_t i = 0; i < kReasons; ++i)
    w.sample("sockd_rejections_total", one("reason", label(static_cast<Reason>(i))),
             t.rejections[i]);
  w.family("sockd_relays_active", "gauge", "Relays open now.");
  w.sample("sockd_relays_active", "", report.relays_active);
  w.family("sockd_relays_total", "counter", "Relays started.");
  w.sample("sockd_relays_total", "", t.relays_total);
  w.family("sockd_relayed_bytes_total", "counter",
           "Bytes relayed: upstream client to server, downstream server to client.");
  w.sample("sockd_relayed_bytes_total", one("direction", "upstream"), report.bytes_upstream);
  w.sample("sockd_relayed_bytes_total", one("direction", "downstream"), report.bytes_downstream);
  w.family("sockd_negotiations_active", "gauge",
           "Clients accepted and not yet relaying (BINDs waiting included).");
  w.sample("sockd_negotiations_active", "", report.negotiations_active);
  w.family("sockd_bind_waiting", "gauge", "BINDs waiting for their inbound connection.");
  w.sample("sockd_bind_waiting", "", report.bind_waiting);

  w.family("sockd_dns_lookups_total", "counter", "Lookups of SOCKS 4a names, by result.");
  for (size_t i = 0; i < kDnsResults; ++i)
    w.sample("sockd_dns_lookups_total", one("result", label(static_cast<DnsResult>(i))), t.dns[i]);
  w.family("sockd_dns_lookup_seconds", "histogram", "Time to resolve a SOCKS 4a name.");
  w.histogram("sockd_dns_lookup_seconds", t.dns_seconds);
  w.family("sockd_connect_seconds", "histogram",
           "CONNECT: time from the complete request to the reply.");
  w.histogram("sockd_connect_seconds", t.connect_seconds);
  w.family("sockd_identd_queries_total", "counter", "identd queries, by result.");
  for (size_t i = 0; i < kIdentdOutcomes; ++i)
    w.sample("sockd_identd_queries_total", one("result", label(static_cast<IdentdOutcome>(i))),
             t.identd[i]);
  w.family("sockd_shell_commands_total", "counter", "Rule shell commands, by result.");
  for (size_t i = 0; i < kShellOutcomes; ++i)
    w.sample("sockd_shell_commands_total", one("result", label(static_cast<ShellOutcome>(i))),
             report.shell[i]);
  w.family("sockd_rule_hits_total", "counter",
           "Requests decided by each rule of the active configuration, by line.");
  for (int line : report.rule_lines) {
    auto hits = t.rule_hits.find(line);
    w.sample("sockd_rule_hits_total", "line=\"" + std::to_string(line) + "\"",
             hits == t.rule_hits.end() ? uint64_t{0} : hits->second);
  }
  w.family("sockd_next_hop_grants_total", "counter",
           "Requests granted through each next-hop SOCKS server (next_hop, outbound).");
  for (const auto& [hop, grants] : t.next_hop_grants)
    w.sample("sockd_next_hop_grants_total", one("hop", hop.c_str()), grants);
  w.family("sockd_config_reloads_total", "counter", "Configuration reloads (SIGHUP), by result.");
  w.sample("sockd_config_reloads_total", one("result", "ok"), report.main.reloads_ok);
  w.sample("sockd_config_reloads_total", one("result", "error"), report.main.reloads_error);
  w.family("sockd_config_last_reload_timestamp_seconds", "gauge",
           "When the active configuration was loaded (at start or by the last good reload).");
  w.sample("sockd_config_last_reload_timestamp_seconds", "", report.main.config_loaded_unix);
  w.family("sockd_descriptors_open", "gauge", "File descriptors open.");
  w.sample("sockd_descriptors_open", "", report.process.descriptors_open);
  w.family("sockd_descriptors_limit", "gauge", "File descriptor limit (RLIMIT_NOFILE).");
  w.sample("sockd_descriptors_limit", "", report.process.descriptors_limit);
  w.family("sockd_stats_workers_answered", "gauge",
           "Worker threads that answered this scrape in time (of sockd_stats_workers).");
  w.sample("sockd_stats_workers_answered", "", static_cast<uint64_t>(report.workers_answered));
  w.family("sockd_stats_workers", "gauge", "Worker threads.");
  w.sample("sockd_stats_workers", "", static_cast<uint64_t>(report.workers));
  w.family("sockd_build_info", "gauge", "sockd's version.");
  w.sample("sockd_build_info", one("version", SOCKS4_VERSION), uint64_t{1});

  w.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  w.sample("process_resident_memory_bytes", "", report.process.resident_bytes);
  w.family("process_cpu_seconds_total", "counter", "User and system CPU time in seconds.");
  w.sample("process_cpu_seconds_total", "", report.process.cpu_seconds);
  w.family("process_start_time_seconds", "gauge", "Start time since the epoch in seconds.");
  w.sample("process_start_time_seconds", "", report.process.start_time_unix);
  w.family("process_open_fds", "gauge", "Open file descriptors.");
  w.sample("process_open_fds", "", report.process.descriptors_open);
  w.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
  w.sample("process_max_fds", "", report.process.descriptors_limit);
  return out;
}

}  // namespace sockd::stats
