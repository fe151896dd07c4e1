#include "socks4/conf_users.h"

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
  std::optional<std::string> text = reader ? reader(std::string(path)) : std::nullopt;
  if (!text) {
    return LineError{column, "expected a readable user-list file, cannot read " + quote(path)};
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
      if (auto error = add_user(token.text, column, users)) {
        error->message += " (in " + quote(path) + ")";
        return error;
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
      return LineError{item_column,
                       "expected a user name or /path after *= or ',', found " + found};
    }
    auto error = item.front() == '/' ? add_users_from_file(item, item_column, reader, users)
                                     : add_user(item, item_column, users);
    if (error) return error;
    if (comma == std::string_view::npos) return std::nullopt;
    start = comma + 1;
  }
}

}  // namespace socks4::conf
