// /metrics: the report in the Prometheus text exposition format 0.0.4. The metric names and
// labels are an interface (dashboards and alerts depend on them): sockd(8), STATISTICS.
#pragma once

#include <string>

#include "report.h"

namespace sockd::stats {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_prometheus(const Report& report);

}  // namespace sockd::stats
