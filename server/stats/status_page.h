// GET /: the status page a person reads at a glance. Rendered on the server (the tables are in
// the HTML itself, so a browser without JavaScript, or curl, sees them), no external assets,
// and one small inline script that reloads it every few seconds unless paused.
#pragma once

#include <string>

#include "report.h"

namespace sockd::stats {

// Sent with the page: nothing but its own inline style and script.
inline constexpr const char* kStatusPagePolicy =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

std::string render_status_page(const Report& report);

}  // namespace sockd::stats
