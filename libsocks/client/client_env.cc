// Environment of the client library (docs/ARCHITECTURE.md, "Client settings and routing").
#include "socks4/client_env.h"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <string_view>

namespace socks4::client {
namespace {

bool flag_set(const char* value) {
  return value != nullptr && value[0] != '\0' && std::string_view(value) != "0";
}

}  // namespace

std::string effective_user_name() {
  uid_t uid = geteuid();
  passwd entry{};
  passwd* result = nullptr;
  std::array<char, 4096> buffer;
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &result) == 0 && result != nullptr &&
      result->pw_name != nullptr) {
    return result->pw_name;
  }
  return std::to_string(uid);
}

ClientEnvironment read_environment(EnvLookup lookup) {
  ClientEnvironment env;
  if (const char* server = lookup("SOCKS_SERVER"); server != nullptr && server[0] != '\0') {
    env.server_list = server;
  }
  if (const char* conf = lookup("SOCKS_CONF"); conf != nullptr && conf[0] != '\0') {
    env.conf_path = conf;
    env.conf_path_from_env = true;
  }
  env.debug = flag_set(lookup("SOCKS_DEBUG"));
  env.banner = flag_set(lookup("SOCKS_BANNER"));
  env.quiet = flag_set(lookup("SOCKS_QUIET"));
  env.syslog = flag_set(lookup("SOCKS_SYSLOG"));
  const char* user = lookup("SOCKS_USERNAME");
  env.username = (user != nullptr && user[0] != '\0') ? user : effective_user_name();
  return env;
}

}  // namespace socks4::client
