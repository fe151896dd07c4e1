#include "collect.h"

#include "../server_context.h"
#include "../worker.h"

namespace sockd::stats {

Report collect(const std::vector<std::unique_ptr<Worker>>& workers, const ServerContext& context,
               const MainCounters& main, bool with_relays) {
  Report report;
  auto request = std::make_shared<SnapshotRequest>(workers.size(), with_relays);
  for (const auto& worker : workers) worker->post_snapshot(request);
  merge(request->wait(kSnapshotWait), report);
  report.main = main;
  report.shell = context.shell.counts();
  for (const auto& rule : context.config.load()->config.rules)
    report.rule_lines.push_back(rule.line);
  report.process = read_process_info();
  report.now_unix = unix_now();
  return report;
}

}  // namespace sockd::stats
