#include "socks4/conf_users.h"

#include <algorithm>
#include <cerrno>

#include "socks4/proto.h"

namespace socks4::conf {
namespace {

std::optional<LineError> add_user(std::string_view name, int column,
                                  std::vector<std::string>& users) {
  if (name.size() > kMaxUserIdLength) {
    return LineError{column, "expected a user name of at most " + std::to_string(kMaxUserIdLength) +
                                 " bytes, found " + quote(name)};
  }
  if (users.size() >= kMaxUsersPerRule) {
    return LineError{column, "too many user names in one *= list (the limit is " +
                                 std::to_string(kMaxUsersPerRule) + ")"};
  }
  users.emplace_back(name);
  return std::nullopt;
}

// Names from a user-list file; errors point at the file's entry in the *= list.
std::optional<LineError> add_users_from_file(std::string_view path, int column, FileReader reader,
                                             std::vector<std::string>& users) {
  errno = 0;
  std::optional<std::string> text = reader ? reader(std::string(path)) : std::nullopt;
  if (!text) {
    const std::string why = errno == kNotARegularFile ? " (not a regular file)" : "";
    return LineError{column,
                     "expected a readable user-list file, cannot read " + quote(path) + why};
  }
  if (text->size() > kMaxUserFileBytes) {
    return LineError{column, "user-list file " + quote(path) + " is larger than " +
                                 std::to_string(kMaxUserFileBytes) + " bytes"};
  }
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view{} : rest.substr(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    for (const Token& token : split_tokens(strip_comment(line))) {
      for (std::string_view rest = token.text; !rest.empty();) {
        const size_t comma = rest.find(',');
        const std::string_view name = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (name.empty()) continue;
        if (auto error = add_user(name, column, users)) {
          error->message += " (in " + quote(path) + ")";
          return error;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<LineError> parse_user_list(std::string_view list, int column, FileReader reader,
                                         std::vector<std::string>& users) {
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    std::string_view item =
        list.substr(start, comma == std::string_view::npos ? comma : comma - start);
    int item_column = column + static_cast<int>(start);
    if (item.empty()) {
      std::string found = comma == std::string_view::npos ? "end of list" : "\",\"";
      return LineError{item_column, "expected a user name or /path after *= or ',', found " + found,
                       list.empty() ? Fault::kEmptyUsers : Fault::kEmptyUser};
    }
    auto error = item.front() == '/' ? add_users_from_file(item, item_column, reader, users)
                                     : add_user(item, item_column, users);
    if (error) return error;
    if (comma == std::string_view::npos) return std::nullopt;
    start = comma + 1;
  }
}

bool user_listed(const std::vector<std::string>& users, std::string_view user) {
  return users.empty() || std::find(users.begin(), users.end(), user) != users.end();
}

}  // namespace socks4::conf
