// What sockd's log lines look like on standard error: an ISO 8601 time stamp, then the line as
// syslog would carry it ("sockd[PID]: ..."); no stamp when standard error is the journal
// (JOURNAL_STREAM names its device and inode), which stamps lines itself.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sockd_fixture.h"

namespace socks4::test {
namespace {

class LogFormat : public SockdTest {};

TEST_F(LogFormat, StderrLinesStartWithAnIsoTimeStamp) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  const std::vector<std::string> lines = sockd().log_lines_with({});
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines)
    EXPECT_TRUE(starts_as_sockd_line(line, sockd().pid())) << line;
  // The text after the stamp is the one syslog gets.
  EXPECT_EQ(sockd().log_lines_with({"]: listening on 127.0.0.1:"}).size(), 1u) << sockd().log();
}

TEST_F(LogFormat, NoStampWhenStderrIsTheJournal) {
  SockdOptions options;
  // What systemd sets for a service whose stderr is the journal: the stream's device:inode.
  options.command_prefix = {"sh", "-c",
                            "JOURNAL_STREAM=$(stat -L -c %d:%i /dev/stderr) exec \"$@\"", "sh"};
  ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  const std::vector<std::string> lines = sockd().log_lines_with({});
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines)
    EXPECT_TRUE(starts_as_sockd_line(line, sockd().pid(), false)) << line;
}

TEST_F(LogFormat, AJournalStreamOfAnotherFileStillGetsTheStamp) {
  SockdOptions options;
  // Inherited from a parent whose stderr was the journal; this stderr is not.
  options.command_prefix = {"env", "JOURNAL_STREAM=1:1"};
  ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  for (const std::string& line : sockd().log_lines_with({}))
    EXPECT_TRUE(starts_as_sockd_line(line, sockd().pid())) << line;
}

}  // namespace
}  // namespace socks4::test
