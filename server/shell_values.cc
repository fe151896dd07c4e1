#include "shell_values.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

#include <array>

#include "socks4/conf_address.h"
#include "socks4/shell_spawn.h"

namespace sockd {
socks4::ShellValues shell_values(const socks4::conf::MatchInput& input,
                                 const std::string& client_address) {
  socks4::ShellValues values;
  values.client_host = client_address;
  values.client_address = client_address;
  values.command = input.command == socks4::Command::kBind ? "bind" : "connect";
  values.pid = std::to_string(getpid());
  values.service = socks4::service_name(input.destination_port);
  values.port = std::to_string(input.destination_port);
  values.identd_user = input.identd_user;
  values.user = input.user;
  const bool named = !input.destination_name.empty();
  const std::string address =
      input.destination ? input.destination->to_string() : input.destination_name;
  values.destination_host = named ? input.destination_name : address;
  values.destination = address;
  return values;
}

}  // namespace sockd
