// The *= user list of a rule: a comma list of names and /path files of names. A file holds
// names separated by blanks, commas or newlines (any number per line) with # comments; files
// are read through the injected FileReader and expanded in place, so a rule carries plain
// names only. Each name is at most a SOCKS USERID long (kMaxUserIdLength).
#pragma once

#include <cerrno>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "socks4/conf_lexer.h"

namespace socks4::conf {

inline constexpr size_t kMaxUserFileBytes = 1 << 20;  // one *= /path user-list file
inline constexpr size_t kMaxUsersPerRule = 10000;     // names in one *= list, files expanded

// Reads a file named in a config (a *= /path list, the config itself). Returns nullopt if the
// file cannot be read. Injected so parsing stays pure.
using FileReader = std::optional<std::string> (*)(const std::string& path);

// The whole file, or nullopt (errno set; EFBIG when it is larger than `max_bytes`,
// kNotARegularFile for a FIFO, a directory or a device, which are never opened for reading).
std::optional<std::string> read_bounded_file(const std::string& path, size_t max_bytes);

inline constexpr int kNotARegularFile = EINVAL;
// strerror(), but "not a regular file" for kNotARegularFile.
std::string read_error_text(int error);

// `list` is the text after "*=", whose first byte sits at `column`. Appends the names.
// Faults: kEmptyUsers (nothing after *=), kEmptyUser (an empty item).
std::optional<LineError> parse_user_list(std::string_view list, int column, FileReader reader,
                                         std::vector<std::string>& users);

// Whether a rule's *= list admits `user`: an empty list admits everyone.
bool user_listed(const std::vector<std::string>& users, std::string_view user);

}  // namespace socks4::conf
