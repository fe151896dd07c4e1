#include "shell_values.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>

#include <array>

#include "socks4/conf_address.h"

namespace sockd {
namespace {

std::string service_name(uint16_t port) {
  servent entry{};
  servent* found = nullptr;
  std::array<char, 1024> buffer{};
  if (getservbyport_r(htons(port), "tcp", &entry, buffer.data(), buffer.size(), &found) == 0 &&
      found && found->s_name) {
    return found->s_name;
  }
  return std::to_string(port);
}

}  // namespace

socks4::ShellValues shell_values(const socks4::conf::MatchInput& input,
                                 const std::string& client_address) {
  socks4::ShellValues values;
  values.client_host = client_address;
  values.client_address = client_address;
  values.command = input.command == socks4::Command::kBind ? "bind" : "connect";
  values.pid = std::to_string(getpid());
  values.service = service_name(input.destination_port);
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
