// The *= user list of a rule: a comma list of names and /path files of names. A file holds
// names separated by whitespace (any number per line) with # comments; files are read through
// the injected FileReader and expanded in place, so a Rule carries plain names only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "socks4/conf_lexer.h"
#include "socks4/sockd_conf.h"

namespace socks4::conf {

// `list` is the text after "*=", whose first byte sits at `column`. Appends the names.
std::optional<LineError> parse_user_list(std::string_view list, int column, FileReader reader,
                                         std::vector<std::string>& users);

}  // namespace socks4::conf
