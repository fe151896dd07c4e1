// sockd's per-thread log batch: the lines of one event-loop pass reach stderr together, whole
// and in order, and none is lost when the batch overflows or ends.
#include "../../server/log_batch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "../../server/log.h"

namespace sockd::log {
namespace {

// Points stderr at a pipe for the test's life and gives back what was written so far.
class CapturedStderr {
 public:
  CapturedStderr() {
    EXPECT_EQ(pipe2(pipe_, O_NONBLOCK), 0);
    fcntl(pipe_[1], F_SETPIPE_SZ, 1 << 20);
    saved_ = dup(STDERR_FILENO);
    dup2(pipe_[1], STDERR_FILENO);
  }
  ~CapturedStderr() {
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    close(pipe_[0]);
    close(pipe_[1]);
  }
  std::string take() {
    std::string out;
    char chunk[4096];
    ssize_t n;
    while ((n = read(pipe_[0], chunk, sizeof chunk)) > 0) out.append(chunk, static_cast<size_t>(n));
    return out;
  }

 private:
  int pipe_[2] = {-1, -1};
  int saved_ = -1;
};

struct Base {
  EventBasePtr base{event_base_new()};
};

void log_lines_in_one_pass(event_base* base, int count) {
  struct Job {
    int count;
  } job{count};
  event_base_once(
      base, -1, EV_TIMEOUT,
      [](evutil_socket_t, short, void* arg) {
        for (int i = 0; i < static_cast<Job*>(arg)->count; ++i) info("line %d", i);
      },
      &job, nullptr);
  event_base_loop(base, EVLOOP_ONCE);
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST(LogBatch, LinesOfAPassArriveTogetherAtItsEnd) {
  CapturedStderr captured;
  Base loop;
  LineBatch batch(loop.base.get());
  info("first");
  EXPECT_EQ(captured.take(), "") << "a line waits for the end of the pass";
  event_base_loop(loop.base.get(), EVLOOP_ONCE | EVLOOP_NONBLOCK);
  std::string out = captured.take();
  EXPECT_NE(out.find(": first\n"), std::string::npos) << out;

  log_lines_in_one_pass(loop.base.get(), 3);
  out = captured.take();
  EXPECT_NE(out.find(": line 0\nsockd["), std::string::npos) << out;
  EXPECT_LT(out.find(": line 0\n"), out.find(": line 1\n"));
  EXPECT_LT(out.find(": line 1\n"), out.find(": line 2\n"));
}

TEST(LogBatch, OverflowWritesWholeLinesAndLosesNone) {
  CapturedStderr captured;
  Base loop;
  LineBatch batch(loop.base.get());
  log_lines_in_one_pass(loop.base.get(), 1000);  // far more than one PIPE_BUF batch
  std::string out = captured.take();
  EXPECT_EQ(count_of(out, "\n"), 1000u);
  EXPECT_EQ(count_of(out, "sockd["), 1000u);
  EXPECT_NE(out.find(": line 999\n"), std::string::npos);
}

TEST(LogBatch, EndingTheBatchWritesWhatIsLeft) {
  CapturedStderr captured;
  Base loop;
  {
    LineBatch batch(loop.base.get());
    info("pending");
    EXPECT_EQ(captured.take(), "");
  }
  EXPECT_NE(captured.take().find(": pending\n"), std::string::npos);
  info("direct");  // no batch on this thread any more: written at once
  EXPECT_NE(captured.take().find(": direct\n"), std::string::npos);
}

TEST(LogBatch, OtherThreadsWriteAtOnce) {
  CapturedStderr captured;
  Base loop;
  LineBatch batch(loop.base.get());
  std::thread([] { info("from another thread"); }).join();
  EXPECT_NE(captured.take().find(": from another thread\n"), std::string::npos);
}

}  // namespace
}  // namespace sockd::log
