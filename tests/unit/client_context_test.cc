// Client environment and context: secure_getenv-style lookup, defaults, problems reported.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "socks4/client_context.h"

namespace socks4::client {
namespace {

std::map<std::string, std::string> g_env;

char* fake_getenv(const char* name) {
  auto found = g_env.find(name);
  return found == g_env.end() ? nullptr : found->second.data();
}

std::optional<std::string> fake_reader(const std::string& path) {
  if (path == "/good.conf") return std::string("sockd @=10.0.0.1 0.0.0.0 0.0.0.0\n");
  if (path == "/bad.conf") return std::string("direct 10.0.0.0/8\nsockd 1.2.3.4\n");
  errno = ENOENT;
  return std::nullopt;
}

TEST(ClientEnvironment, ReadsEveryVariable) {
  g_env = {{"SOCKS_SERVER", "10.0.0.1:1081"},
           {"SOCKS_CONF", "/good.conf"},
           {"SOCKS_DEBUG", "1"},
           {"SOCKS_USERNAME", "alice"},
           {"SOCKS_BANNER", "yes"}};
  ClientEnvironment env = read_environment(&fake_getenv);
  EXPECT_EQ(env.server_list, "10.0.0.1:1081");
  EXPECT_EQ(env.conf_path, "/good.conf");
  EXPECT_TRUE(env.conf_path_from_env);
  EXPECT_TRUE(env.debug);
  EXPECT_EQ(env.username, "alice");
  EXPECT_TRUE(env.banner);
}

TEST(ClientEnvironment, DefaultsWhenUnset) {
  g_env = {{"SOCKS_DEBUG", "0"}};
  ClientEnvironment env = read_environment(&fake_getenv);
  EXPECT_FALSE(env.server_list.has_value());
  EXPECT_EQ(env.conf_path, kDefaultConfPath);
  EXPECT_FALSE(env.conf_path_from_env);
  EXPECT_FALSE(env.debug);
  EXPECT_FALSE(env.banner);
  EXPECT_EQ(env.username, effective_user_name());
  EXPECT_FALSE(env.username.empty());
}

TEST(ClientContext, MissingDefaultFileMeansNoConfig) {
  ClientEnvironment env;
  env.conf_path = "/missing.conf";
  std::vector<std::string> problems;
  ClientContext ctx = build_context(env, problems, &fake_reader);
  EXPECT_FALSE(ctx.config.has_value());
  EXPECT_TRUE(problems.empty());
}

TEST(ClientContext, MissingNamedFileIsReportedAndDeniesAll) {
  ClientEnvironment env;
  env.conf_path = "/missing.conf";
  env.conf_path_from_env = true;
  std::vector<std::string> problems;
  ClientContext ctx = build_context(env, problems, &fake_reader);
  ASSERT_TRUE(ctx.config.has_value());
  EXPECT_TRUE(ctx.config->rules.empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind("/missing.conf:0:0: cannot read", 0), 0u) << problems[0];
}

TEST(ClientContext, GrammarErrorsCarryFileAndLine) {
  ClientEnvironment env;
  env.conf_path = "/bad.conf";
  std::vector<std::string> problems;
  ClientContext ctx = build_context(env, problems, &fake_reader);
  ASSERT_TRUE(ctx.config.has_value());
  EXPECT_TRUE(ctx.config->rules.empty());  // fail closed
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].rfind("/bad.conf:2:", 0), 0u) << problems[0];
}

TEST(ClientContext, ParsesServerListAndConfig) {
  ClientEnvironment env;
  env.conf_path = "/good.conf";
  env.server_list = "10.0.0.7,10.0.0.8:1081";
  std::vector<std::string> problems;
  ClientContext ctx = build_context(env, problems, &fake_reader);
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(ctx.default_servers.size(), 2u);
  EXPECT_EQ(ctx.default_servers[1].port, 1081);
  ASSERT_TRUE(ctx.config.has_value());
  EXPECT_EQ(ctx.config->rules.size(), 1u);
}

TEST(ClientContext, BadServerListIsReported) {
  ClientEnvironment env;
  env.conf_path = "/missing.conf";
  env.server_list = "host:notaport";
  std::vector<std::string> problems;
  ClientContext ctx = build_context(env, problems, &fake_reader);
  EXPECT_TRUE(ctx.default_servers.empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind("SOCKS_SERVER='host:notaport' is malformed: ", 0), 0u) << problems[0];
}

}  // namespace
}  // namespace socks4::client
