// Escaping for the renderers. The texts are already sanitised by the session (printable ASCII,
// odd bytes as \xNN), but each format still has its own special characters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sockd::stats {

// A JSON string literal, quotes included.
std::string json_string(std::string_view text);
// Text for HTML element content and quoted attribute values.
std::string html_escape(std::string_view text);
// "3d 4h", "5m 12s", "0.8s": a duration for people.
std::string human_duration(double seconds);
// "1.5 MiB", "312 B".
std::string human_bytes(uint64_t bytes);

}  // namespace sockd::stats
