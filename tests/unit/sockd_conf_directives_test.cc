// The daemon directives: listen, timeout, identd, log, log_format, user, threads, resolv_conf,
// hosts_file, max_connections and the per-source and per-BIND limits.
#include <gtest/gtest.h>

#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

ServerSettings settings_of(const std::string& text) {
  ParseOutcome outcome = parse_text(text);
  EXPECT_TRUE(outcome.config) << joined_errors(outcome);
  return outcome.config ? outcome.config->settings : ServerSettings{};
}

TEST(SockdConfDirectives, DefaultsWhenAbsent) {
  ServerSettings settings = settings_of("permit 10.0.0.0/8\n");
  EXPECT_TRUE(settings.listen.empty());
  EXPECT_EQ(settings.negotiate_timeout_s, 30);
  EXPECT_EQ(settings.connect_timeout_s, 120);
  EXPECT_EQ(settings.idle_timeout_s, 0);
  EXPECT_EQ(settings.identd, IdentdMode::kNone);
  EXPECT_EQ(settings.log, LogTarget::kAuto);
  EXPECT_EQ(settings.syslog_facility, "daemon");
  EXPECT_EQ(settings.user, "");
  EXPECT_EQ(settings.threads, 0);
  EXPECT_EQ(settings.resolv_conf, "/etc/resolv.conf");
  EXPECT_EQ(settings.hosts_file, "/etc/hosts");
  EXPECT_EQ(settings.max_connections, 0);
  EXPECT_EQ(settings.max_connections_per_source, kAutoLimit);
  EXPECT_EQ(settings.max_negotiations_per_source, kAutoLimit);
  EXPECT_EQ(settings.max_binds_per_connection, 4);
  EXPECT_EQ(settings.max_binds_per_source, 32);
}

struct ListenCase {
  std::string text;
  ListenAddress address;
};

class SockdConfListen : public ::testing::TestWithParam<ListenCase> {};

TEST_P(SockdConfListen, ParsesAddressAndPort) {
  ServerSettings settings = settings_of("listen " + GetParam().text);
  ASSERT_EQ(settings.listen.size(), 1u);
  EXPECT_EQ(settings.listen[0], GetParam().address);
}

INSTANTIATE_TEST_SUITE_P(All, SockdConfListen,
                         ::testing::Values(ListenCase{"127.0.0.1", {"127.0.0.1", 1080}},
                                           ListenCase{"127.0.0.1:1080", {"127.0.0.1", 1080}},
                                           ListenCase{"0.0.0.0:9050", {"0.0.0.0", 9050}},
                                           ListenCase{"127.0.0.2:0", {"127.0.0.2", 0}},
                                           ListenCase{"10.0.0.1:65535", {"10.0.0.1", 65535}},
                                           ListenCase{"[::1]:1080", {"::1", 1080}},
                                           ListenCase{"[::]", {"::", 1080}},
                                           ListenCase{"[fe80::1]:2000", {"fe80::1", 2000}},
                                           ListenCase{"::1", {"::1", 1080}}));

TEST(SockdConfDirectives, ListenIsRepeatable) {
  ServerSettings settings = settings_of("listen 127.0.0.1:1080\nLISTEN [::1]:1081\n");
  ASSERT_EQ(settings.listen.size(), 2u);
  EXPECT_EQ(settings.listen[1], (ListenAddress{"::1", 1081}));
}

TEST(SockdConfDirectives, Timeouts) {
  ServerSettings settings =
      settings_of("timeout negotiate 5\ntimeout connect 60\nTimeout Idle 3600\n");
  EXPECT_EQ(settings.negotiate_timeout_s, 5);
  EXPECT_EQ(settings.connect_timeout_s, 60);
  EXPECT_EQ(settings.idle_timeout_s, 3600);
}

TEST(SockdConfDirectives, IdleTimeoutZeroMeansNever) {
  EXPECT_EQ(settings_of("timeout idle 0").idle_timeout_s, 0);
}

struct IdentdCase {
  std::string word;
  IdentdMode mode;
};

class SockdConfIdentdDirective : public ::testing::TestWithParam<IdentdCase> {};

TEST_P(SockdConfIdentdDirective, SetsGlobalMode) {
  EXPECT_EQ(settings_of("identd " + GetParam().word).identd, GetParam().mode);
}

INSTANTIATE_TEST_SUITE_P(All, SockdConfIdentdDirective,
                         ::testing::Values(IdentdCase{"none", IdentdMode::kNone},
                                           IdentdCase{"loose", IdentdMode::kLoose},
                                           IdentdCase{"strict", IdentdMode::kStrict},
                                           IdentdCase{"STRICT", IdentdMode::kStrict}));

TEST(SockdConfDirectives, LogTargets) {
  EXPECT_EQ(settings_of("log stderr").log, LogTarget::kStderr);
  ServerSettings syslog = settings_of("log syslog");
  EXPECT_EQ(syslog.log, LogTarget::kSyslog);
  EXPECT_EQ(syslog.syslog_facility, "daemon");
  ServerSettings local = settings_of("log syslog LOCAL3");
  EXPECT_EQ(local.syslog_facility, "local3");
  EXPECT_EQ(settings_of("log syslog authpriv").syslog_facility, "authpriv");
  ServerSettings file = settings_of("log /var/log/sockd.log");
  EXPECT_EQ(file.log, LogTarget::kFile);
  EXPECT_EQ(file.log_file, "/var/log/sockd.log");
}

TEST(SockdConfDirectives, LogFormat) {
  EXPECT_EQ(settings_of("").log_format, LogFormat::kText);
  EXPECT_EQ(settings_of("log_format json").log_format, LogFormat::kJson);
  EXPECT_EQ(settings_of("log_format TEXT").log_format, LogFormat::kText);
}

TEST(SockdConfDirectives, UserThreadsPathsAndLimits) {
  ServerSettings settings = settings_of(
      "user nobody\nthreads 4\nresolv_conf /etc/sockd/resolv.conf\n"
      "hosts_file /etc/sockd/hosts\nmax_connections 5000\n");
  EXPECT_EQ(settings.user, "nobody");
  EXPECT_EQ(settings.threads, 4);
  EXPECT_EQ(settings.resolv_conf, "/etc/sockd/resolv.conf");
  EXPECT_EQ(settings.hosts_file, "/etc/sockd/hosts");
  EXPECT_EQ(settings.max_connections, 5000);
}

TEST(SockdConfDirectives, PerSourceAndBindLimits) {
  ServerSettings settings = settings_of(
      "max_connections_per_source 100\nmax_negotiations_per_source 0\n"
      "max_binds_per_connection 1\nmax_binds_per_source 0\n");
  EXPECT_EQ(settings.max_connections_per_source, 100);
  EXPECT_EQ(settings.max_negotiations_per_source, 0);
  EXPECT_EQ(settings.max_binds_per_connection, 1);
  EXPECT_EQ(settings.max_binds_per_source, 0);
  ServerSettings automatic =
      settings_of("max_connections_per_source AUTO\nmax_negotiations_per_source auto\n");
  EXPECT_EQ(automatic.max_connections_per_source, kAutoLimit);
  EXPECT_EQ(automatic.max_negotiations_per_source, kAutoLimit);
}

TEST(SockdConfDirectives, PerSourceAndBindLimitErrors) {
  EXPECT_EQ(joined_errors(parse_text("max_connections_per_source many")),
            "sockd.conf:1:28: expected a connection count (a whole number from 0 to 10000000) "
            "or auto, found \"many\"\n");
  EXPECT_EQ(joined_errors(parse_text("max_negotiations_per_source")),
            "sockd.conf:1:28: expected a connection count (a whole number from 0 to 10000000) "
            "or auto, found end of line\n");
  EXPECT_EQ(joined_errors(parse_text("max_connections_per_source 2\nmax_connections_per_source 3")),
            "sockd.conf:2:1: max_connections_per_source given twice (first on line 1)\n");
  EXPECT_EQ(joined_errors(parse_text("max_binds_per_connection auto")),
            "sockd.conf:1:26: expected a BIND count (a whole number from 0 to 10000000), "
            "found \"auto\"\n");
  EXPECT_EQ(joined_errors(parse_text("max_binds_per_source 2\nmax_binds_per_source 3")),
            "sockd.conf:2:1: max_binds_per_source given twice (first on line 1)\n");
}

TEST(SockdConfDirectives, DirectivesAndRulesMix) {
  ParseOutcome outcome = parse_text(
      "listen 127.0.0.1:1081 # local only\n"
      "permit 10.0.0.0/8\n"
      "timeout connect 30\n"
      "deny 0.0.0.0/0\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_EQ(outcome.config->rules.size(), 2u);
  EXPECT_EQ(outcome.config->settings.connect_timeout_s, 30);
  EXPECT_EQ(outcome.config->settings.listen[0].port, 1081);
}

}  // namespace
}  // namespace socks4::conf::testing
