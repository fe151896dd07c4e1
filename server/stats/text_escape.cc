#include "text_escape.h"

#include <cstdio>

namespace sockd::stats {

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char escaped[8];
      snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string human_duration(double seconds) {
  char text[48];
  if (seconds < 0) seconds = 0;
  const auto whole = static_cast<unsigned long long>(seconds);
  if (seconds < 10) {
    snprintf(text, sizeof text, "%.1fs", seconds);
  } else if (whole < 3600) {
    snprintf(text, sizeof text, "%llum %llus", whole / 60, whole % 60);
  } else if (whole < 86400) {
    snprintf(text, sizeof text, "%lluh %llum", whole / 3600, whole % 3600 / 60);
  } else {
    snprintf(text, sizeof text, "%llud %lluh", whole / 86400, whole % 86400 / 3600);
  }
  return text;
}

std::string human_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
  }
  return text;
}

}  // namespace sockd::stats
