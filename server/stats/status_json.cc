#include "status_json.h"

#include "prometheus.h"
#include "text_escape.h"

namespace sockd::stats {
namespace {

std::string number(double value) {
  char text[40];
  snprintf(text, sizeof text, "%.3f", value);
  return text;
}

template <size_t N, typename Label>
std::string object(const std::array<uint64_t, N>& values, Label label_of) {
  std::string out = "{";
  for (size_t i = 0; i < N; ++i) {
    if (i) out += ",";
    out += json_string(label_of(i)) + ":" + std::to_string(values[i]);
  }
  return out + "}";
}

}  // namespace

std::string render_status_json(const Report& r) {
  const WorkerCounters& t = r.totals;
  std::string out;
  out.reserve(4096 + r.relays.size() * 256);
  out += "{\"version\":" + json_string(SOCKS4_VERSION);
  out += ",\"now\":" + number(r.now_unix);
  out += ",\"started\":" + number(r.process.start_time_unix);
  out += ",\"uptime_seconds\":" + number(r.now_unix - r.process.start_time_unix);
  out += ",\"config\":{\"file\":" + json_string(r.main.config_source) +
         ",\"loaded\":" + number(r.main.config_loaded_unix) + "}";
  out += ",\"workers\":" + std::to_string(r.workers) +
         ",\"workers_answered\":" + std::to_string(r.workers_answered);
  out += ",\"requests\":{";
  for (size_t c = 0; c < 2; ++c) {
    out += c ? ",\"bind\":" : "\"connect\":";
    out += object(t.requests[c], [](size_t i) { return label(static_cast<Result>(i)); });
  }
  out += "}";
  out += ",\"rejections\":" +
         object(t.rejections, [](size_t i) { return label(static_cast<Reason>(i)); });
  out += ",\"relays_active\":" + std::to_string(r.relays_active);
  out += ",\"relays_total\":" + std::to_string(t.relays_total);
  out += ",\"relayed_bytes\":{\"upstream\":" + std::to_string(r.bytes_upstream) +
         ",\"downstream\":" + std::to_string(r.bytes_downstream) + "}";
  out += ",\"negotiations_active\":" + std::to_string(r.negotiations_active);
  out += ",\"bind_waiting\":" + std::to_string(r.bind_waiting);
  out += ",\"dns_lookups\":" +
         object(t.dns, [](size_t i) { return label(static_cast<DnsResult>(i)); });
  out += ",\"identd_queries\":" +
         object(t.identd, [](size_t i) { return label(static_cast<IdentdOutcome>(i)); });
  out += ",\"shell_commands\":" +
         object(r.shell, [](size_t i) { return label(static_cast<ShellOutcome>(i)); });
  out += ",\"config_reloads\":{\"ok\":" + std::to_string(r.main.reloads_ok) +
         ",\"error\":" + std::to_string(r.main.reloads_error) + "}";
  out += ",\"rule_hits\":{";
  for (size_t i = 0; i < r.rule_lines.size(); ++i) {
    auto hits = t.rule_hits.find(r.rule_lines[i]);
    out += (i ? ",\"" : "\"") + std::to_string(r.rule_lines[i]) +
           "\":" + std::to_string(hits == t.rule_hits.end() ? 0 : hits->second);
  }
  out += "}";
  out += ",\"descriptors_open\":" + std::to_string(r.process.descriptors_open);
  out += ",\"descriptors_limit\":" + std::to_string(r.process.descriptors_limit);
  out += ",\"relays\":[";
  for (size_t i = 0; i < r.relays.size(); ++i) {
    const RelayRow& row = r.relays[i];
    out += i ? ",{" : "{";
    out += "\"client\":" + json_string(row.client) + ",\"user\":" + json_string(row.user) +
           ",\"command\":" + json_string(row.command) +
           ",\"destination\":" + json_string(row.destination) +
           ",\"connected\":" + json_string(row.connected) +
           ",\"bytes_upstream\":" + std::to_string(row.bytes_upstream) +
           ",\"bytes_downstream\":" + std::to_string(row.bytes_downstream) +
           ",\"age_seconds\":" + number(static_cast<double>(row.age_ms) / 1000) +
           ",\"idle_seconds\":" + number(static_cast<double>(row.idle_ms) / 1000) + "}";
  }
  out += "],\"recent_rejections\":[";
  for (size_t i = 0; i < r.recent.size(); ++i) {
    const Rejection& rejection = r.recent[i];
    out += i ? ",{" : "{";
    out += "\"time\":" + number(static_cast<double>(rejection.unix_ms) / 1000) +
           ",\"client\":" + json_string(rejection.client) +
           ",\"request\":" + json_string(rejection.request) +
           ",\"reason\":" + json_string(rejection.reason) + "}";
  }
  out += "]}\n";
  return out;
}

}  // namespace sockd::stats
