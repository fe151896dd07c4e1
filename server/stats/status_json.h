// /status.json: the numbers of /metrics plus the live relays and the last rejections, for
// scripts (sockd(8), STATISTICS, describes the fields).
#pragma once

#include <string>

#include "report.h"

namespace sockd::stats {

std::string render_status_json(const Report& report);

}  // namespace sockd::stats
