// A decision's log line is written before the reply that carries it (as a refusal's always
// was): whoever reads the log once the client acts on its reply finds why. The order is read
// from sockd's own system calls (strace attached to it): for each thread, the write of the
// "-> granted" line comes before the send of the 90 it logs. Timing could not show it: the
// line follows the reply by microseconds, well before any reader looks.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "../support/bind_client.h"
#include "../support/child_process.h"
#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "../support/temp_dir.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kBound{5000};

// strace on a running sockd, all its threads: writes and sends, in the order each thread made
// them. Detached (sockd runs on) when the test is done with it.
class SyscallTrace {
 public:
  explicit SyscallTrace(pid_t pid) : pid_(pid) {
    LaunchOptions options;
    // -yy: each socket with its addresses, which tell whose reply a send is.
    // Not -q: strace says on stderr when it has attached each thread.
    options.argv = {
        "strace",           "-f", "-yy", "-s", "256", "-e", "trace=write,sendto", "-o", path_, "-p",
        std::to_string(pid)};
    options.stderr_path = errors_path_;
    strace_ = ChildProcess(options);
  }

  // Whether every thread of sockd is traced by this strace, and strace has said so (bounded
  // wait).
  bool attached() {
    for (auto deadline = std::chrono::steady_clock::now() + kBound;
         std::chrono::steady_clock::now() < deadline;) {
      const int threads = threads_traced();
      // "Process N attached with K threads", once all are.
      if (threads > 0 && errors().find(" attached") != std::string::npos) {
        return true;
      }
      usleep(10000);  // polling /proc and a file: the kernel gives no event for "now traced"
    }
    return false;
  }

  // What strace said on stderr: attaching, detaching, and any error.
  std::string errors() const {
    std::ifstream file(errors_path_);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }

  // Waits (bounded) until `count` grant replies are in the trace (the client may read a reply
  // before strace has written its line), then detaches and returns each thread's calls, in
  // order.
  std::map<std::string, std::vector<std::string>> stop_after(int count);

  // Waits (bounded) until a traced call holds `needle`.
  bool wait_for(const std::string& needle) const {
    for (auto deadline = std::chrono::steady_clock::now() + kBound;
         std::chrono::steady_clock::now() < deadline;) {
      if (text().find(needle) != std::string::npos) return true;
      usleep(10000);  // polling the file strace writes
    }
    return false;
  }

  // The trace as strace wrote it (for failure messages).
  std::string text() const {
    std::ifstream file(path_);
    std::stringstream out;
    out << file.rdbuf();
    return out.str();
  }

  // Each thread's calls so far, in order.
  std::map<std::string, std::vector<std::string>> read() const {
    std::map<std::string, std::vector<std::string>> by_thread;
    std::ifstream file(path_);
    for (std::string line; std::getline(file, line);) {
      // "PID  call(...)": strace pads the pid to a column, so one space or more.
      const size_t space = line.find(' ');
      const size_t call = line.find_first_not_of(' ', space);
      if (space == std::string::npos || call == std::string::npos) continue;
      by_thread[line.substr(0, space)].push_back(line.substr(call));
    }
    return by_thread;
  }

 private:
  // sockd's thread count if this strace traces each of them, else 0.
  int threads_traced() {
    std::error_code ec;
    const std::string tasks = "/proc/" + std::to_string(pid_) + "/task";
    const std::string tracer = "TracerPid:\t" + std::to_string(strace_.pid());
    int threads = 0;
    for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
      std::ifstream status(task.path() / "status");
      std::string line;
      while (std::getline(status, line) && !line.starts_with("TracerPid:")) {
      }
      if (line != tracer) return 0;
      ++threads;
    }
    return ec ? 0 : threads;
  }

  pid_t pid_;
  TempDir dir_;
  std::string path_ = dir_.file("trace");
  std::string errors_path_ = dir_.file("strace.err");
  ChildProcess strace_;
};

// The client a "-> granted" line is about (the line's first word after "sockd[PID]: "), or "".
std::string granted_client(const std::string& call) {
  if (!call.starts_with("write(") || call.find("-> granted") == std::string::npos) return {};
  const size_t start = call.find("]: ");
  if (start == std::string::npos) return {};
  const size_t end = call.find(' ', start + 3);
  return call.substr(start + 3, end - start - 3);
}

// The client a reply of 90 goes to (the socket's peer, as -yy shows it), or "".
std::string grant_reply_client(const std::string& call) {
  if (!call.starts_with("sendto(") || call.find(", \"\\0Z") == std::string::npos) return {};
  const size_t arrow = call.find("->");
  const size_t end = call.find("]>", arrow);
  if (arrow == std::string::npos || end == std::string::npos) return {};
  return call.substr(arrow + 2, end - arrow - 2);
}

// The grants logged and replied, and the replies whose line that thread had not written yet.
struct Order {
  int lines = 0;
  int replies = 0;
  int replies_before_line = 0;
};

Order order_of(const std::map<std::string, std::vector<std::string>>& trace) {
  Order order;
  for (const auto& [thread, calls] : trace) {
    std::map<std::string, int> lines_not_replied;  // by client
    for (const std::string& call : calls) {
      if (std::string client = granted_client(call); !client.empty()) {
        ++order.lines;
        ++lines_not_replied[client];
      } else if (std::string to = grant_reply_client(call); !to.empty()) {
        ++order.replies;
        if (lines_not_replied[to] == 0) {
          ++order.replies_before_line;
        } else {
          --lines_not_replied[to];
        }
      }
    }
  }
  return order;
}

std::map<std::string, std::vector<std::string>> SyscallTrace::stop_after(int count) {
  for (auto deadline = std::chrono::steady_clock::now() + kBound;
       std::chrono::steady_clock::now() < deadline && order_of(read()).replies < count;) {
    usleep(10000);  // polling the file strace writes
  }
  strace_.stop();
  return read();
}

class LogOrder : public SockdTest {
 protected:
  // Starts sockd under strace, and proves the trace records: a request sockd refuses (a SOCKS 5
  // greeting) makes it write a line, which must show up.
  void start_traced() {
    ASSERT_NO_FATAL_FAILURE(start_sockd());
    trace_ = std::make_unique<SyscallTrace>(sockd().pid());
    ASSERT_TRUE(trace_->attached()) << trace_->errors();
    const std::vector<uint8_t> greeting = {0x05, 0x01, 0x00};
    UniqueFd probe = send_request(port(), greeting);
    ASSERT_TRUE(probe);
    ASSERT_TRUE(trace_->wait_for("bad request")) << trace_->errors() << trace_->text();
  }

  // The order of grants and replies, once `replies` of them are in the trace.
  Order order_after(int replies) {
    const Order order = order_of(trace_->stop_after(replies));
    EXPECT_EQ(order.replies, replies) << trace_->errors() << trace_->text().substr(0, 4000);
    return order;
  }

  LoopbackServer app_{echo_handler};
  std::unique_ptr<SyscallTrace> trace_;
};

TEST_F(LogOrder, AGrantedConnectIsLoggedBeforeItsReply) {
  ASSERT_NO_FATAL_FAILURE(start_traced());
  for (int i = 0; i < 5; ++i) {
    std::optional<Reply> reply;
    UniqueFd relay = open_relay(port(), connect_request("127.0.0.1", app_.port()), &reply);
    ASSERT_TRUE(relay) << "refused";
  }
  const Order order = order_after(5);
  EXPECT_EQ(order.lines, 5);
  EXPECT_EQ(order.replies_before_line, 0);
}

// BIND: the first reply (where sockd listens) and the second (the inbound connection).
TEST_F(LogOrder, BothBindRepliesAreLoggedBeforeTheyAreSent) {
  ASSERT_NO_FATAL_FAILURE(start_traced());
  UniqueFd primary = open_relay(port(), connect_request("127.0.0.1", app_.port()));
  ASSERT_TRUE(primary);
  UniqueFd client = send_request(port(), bind_request("127.0.0.1", 20));
  ASSERT_TRUE(client);
  std::optional<Reply> first = read_reply(client.get());
  ASSERT_TRUE(first && first->code == ReplyCode::kGranted);
  UniqueFd inbound = connect_from("127.0.0.1", reply_ip(*first), first->port);
  ASSERT_TRUE(inbound);
  std::optional<Reply> second = read_reply(client.get());
  ASSERT_TRUE(second && second->code == ReplyCode::kGranted);
  const Order order = order_after(3);  // the primary's, then the BIND's two
  EXPECT_EQ(order.lines, 3);
  EXPECT_EQ(order.replies_before_line, 0);
}

}  // namespace
}  // namespace socks4::test
