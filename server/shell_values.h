// The %-values of a request for sockd.conf shell commands (see socks4/shell_template.h).
#pragma once

#include <string>

#include "conf/sockd_conf.h"
#include "socks4/shell_template.h"

namespace sockd {

// `client_address` is the client's address as text (as connected, before normalisation). %A is the
// address too: a reverse lookup would block or delay the command. %z is the destination address, or
// the 4a name while it is not resolved. %S is the service name from the services database, or the
// port number.
socks4::ShellValues shell_values(const socks4::conf::MatchInput& input,
                                 const std::string& client_address);

}  // namespace sockd
