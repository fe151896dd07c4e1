#include "status_page.h"

#include <time.h>

#include "text_escape.h"

namespace sockd::stats {
namespace {

constexpr const char* kHead = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sockd status</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.4em 0 .4em}
.meta{color:#555}.cards{display:flex;flex-wrap:wrap;gap:.6em;margin-top:1em}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5em .9em;min-width:8em}
.card b{display:block;font-size:1.5em}.card span{color:#666;font-size:.85em}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;white-space:nowrap}
td.bad,td.wrap{white-space:normal}
th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#a00}.empty{color:#777;font-style:italic}
</style></head><body>
)";

constexpr const char* kScript = R"(<script>
// Reloads the page every 5 s; the checkbox pauses it (kept across reloads).
(function(){
  var box=document.getElementById('auto');
  box.checked=localStorage.getItem('sockd-pause')!=='1';
  box.onchange=function(){localStorage.setItem('sockd-pause',box.checked?'0':'1');};
  setInterval(function(){if(box.checked)location.reload();},5000);
})();
</script>
)";

std::string wall_time(double unix_seconds) {
  if (unix_seconds <= 0) return "never";
  const time_t seconds = static_cast<time_t>(unix_seconds);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return text;
}

void card(std::string& out, const std::string& value, const char* what) {
  out += "<div class=\"card\"><b>" + html_escape(value) + "</b><span>" + what + "</span></div>\n";
}

uint64_t sum(const std::array<uint64_t, kResults>& values) {
  return values[0] + values[1] + values[2];
}

}  // namespace

std::string render_status_page(const Report& r) {
  const WorkerCounters& t = r.totals;
  std::string out = kHead;
  out.reserve(8192 + r.relays.size() * 400 + r.recent.size() * 300);
  out += "<h1>sockd " + html_escape(SOCKS4_VERSION) + "</h1>\n<div class=\"meta\">up " +
         html_escape(human_duration(r.now_unix - r.process.start_time_unix)) + " (since " +
         wall_time(r.process.start_time_unix) + ") &middot; config <code>" +
         html_escape(r.main.config_source) + "</code> loaded " +
         wall_time(r.main.config_loaded_unix) + " &middot; " + std::to_string(r.main.reloads_ok) +
         " reloads, " + std::to_string(r.main.reloads_error) + " failed &middot; " +
         std::to_string(r.workers_answered) + "/" + std::to_string(r.workers) +
         " workers answered &middot; <label><input type=\"checkbox\" id=\"auto\" checked> "
         "refresh every 5 s</label></div>\n<div class=\"cards\">\n";
  card(out, std::to_string(r.relays_active), "relays open");
  card(out, std::to_string(r.negotiations_active), "negotiating");
  card(out, std::to_string(r.bind_waiting), "BINDs waiting");
  card(out, std::to_string(t.relays_total), "relays since start");
  card(out, std::to_string(sum(t.requests[0])), "CONNECT requests");
  card(out, std::to_string(sum(t.requests[1])), "BIND requests");
  uint64_t rejections = 0;
  for (uint64_t n : t.rejections) rejections += n;
  card(out, std::to_string(rejections), "rejections");
  card(out, human_bytes(r.bytes_upstream), "upstream");
  card(out, human_bytes(r.bytes_downstream), "downstream");
  card(out,
       std::to_string(r.process.descriptors_open) + " / " +
           std::to_string(r.process.descriptors_limit),
       "descriptors");
  card(out, human_bytes(r.process.resident_bytes), "memory");
  out += "</div>\n";

  out +=
      "<h2>Requests</h2>\n<table id=\"requests\"><tr><th>command</th><th>granted</th>"
      "<th>rejected</th><th>failed</th></tr>\n";
  for (size_t c = 0; c < 2; ++c) {
    out += std::string("<tr><td>") + (c ? "BIND" : "CONNECT") + "</td>";
    for (uint64_t n : t.requests[c]) out += "<td class=\"n\">" + std::to_string(n) + "</td>";
    out += "</tr>\n";
  }
  out += "</table>\n<h2>Rejections by reason</h2>\n<table id=\"reasons\"><tr>";
  for (size_t i = 0; i < kReasons; ++i)
    out += std::string("<th>") + label(static_cast<Reason>(i)) + "</th>";
  out += "</tr><tr>";
  for (uint64_t n : t.rejections) out += "<td class=\"n\">" + std::to_string(n) + "</td>";
  out += "</tr></table>\n";

  out += "<h2>Live relays (" + std::to_string(r.relays_active) + ")</h2>\n";
  out +=
      "<table id=\"relays\"><tr><th>client</th><th>user</th><th>command</th>"
      "<th>destination</th><th>connected</th><th>bytes up</th><th>bytes down</th>"
      "<th>age</th><th>idle</th></tr>\n";
  if (r.relays.empty()) out += "<tr><td colspan=\"9\" class=\"empty\">no relay open</td></tr>\n";
  for (const RelayRow& row : r.relays) {
    out += "<tr class=\"relay\"><td>" + html_escape(row.client) + "</td><td>" +
           html_escape(row.user) + "</td><td>" + html_escape(row.command) + "</td><td>" +
           html_escape(row.destination) + "</td><td>" + html_escape(row.connected) +
           "</td><td class=\"n\">" + std::to_string(row.bytes_upstream) + "</td><td class=\"n\">" +
           std::to_string(row.bytes_downstream) + "</td><td class=\"n\">" +
           html_escape(human_duration(static_cast<double>(row.age_ms) / 1000)) +
           "</td><td class=\"n\">" +
           html_escape(human_duration(static_cast<double>(row.idle_ms) / 1000)) + "</td></tr>\n";
  }
  if (r.relays.size() < r.relays_active)
    out += "<tr><td colspan=\"9\" class=\"empty\">... and " +
           std::to_string(r.relays_active - r.relays.size()) + " more</td></tr>\n";
  out += "</table>\n";

  out +=
      "<h2>Last rejections</h2>\n<table id=\"rejections\"><tr><th>time</th><th>client</th>"
      "<th>request</th><th>reason</th></tr>\n";
  if (r.recent.empty()) out += "<tr><td colspan=\"4\" class=\"empty\">none</td></tr>\n";
  for (auto it = r.recent.rbegin(); it != r.recent.rend(); ++it) {
    out += "<tr class=\"rejection\"><td>" + wall_time(static_cast<double>(it->unix_ms) / 1000) +
           "</td><td>" + html_escape(it->client) + "</td><td>" + html_escape(it->request) +
           "</td><td class=\"bad\">" + html_escape(it->reason) + "</td></tr>\n";
  }
  out +=
      "</table>\n<p class=\"meta\">Also: <a href=\"metrics\">/metrics</a> (Prometheus), "
      "<a href=\"status.json\">/status.json</a>.</p>\n";
  out += kScript;
  out += "</body></html>\n";
  return out;
}

}  // namespace sockd::stats
