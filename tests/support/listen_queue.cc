#include "listen_queue.h"

#include <sstream>
#include <string>
#include <thread>

#include "temp_dir.h"

namespace socks4::test {

namespace {

constexpr const char* kListenState = "0A";  // TCP_LISTEN in /proc/net/tcp's "st" column

// Adds up the rx_queue of the listening sockets on `port` in one /proc/net/tcp-format table.
// For a listener, rx_queue is the length of its accept queue. Returns whether one listened.
bool add_queue_lengths(const std::string& table, uint16_t port, int* total) {
  std::istringstream lines(table);
  std::string line;
  std::getline(lines, line);  // the header
  bool found = false;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues;
    if (!(fields >> slot >> local >> remote >> state >> queues)) continue;
    const size_t colon = local.rfind(':');
    if (state != kListenState || colon == std::string::npos) continue;
    if (std::stoul(local.substr(colon + 1), nullptr, 16) != port) continue;
    const size_t queue_colon = queues.find(':');  // tx_queue:rx_queue, in hex
    if (queue_colon == std::string::npos) continue;
    *total += static_cast<int>(std::stoul(queues.substr(queue_colon + 1), nullptr, 16));
    found = true;
  }
  return found;
}

}  // namespace

int listen_queue_length(uint16_t port) {
  int total = 0;
  const bool on_v4 = add_queue_lengths(read_text_file("/proc/net/tcp"), port, &total);
  const bool on_v6 = add_queue_lengths(read_text_file("/proc/net/tcp6"), port, &total);
  return on_v4 || on_v6 ? total : -1;
}

int wait_for_empty_listen_queue(uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int seen = listen_queue_length(port);
  while (seen != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling the queue, bounded
    seen = listen_queue_length(port);
  }
  return seen;
}

}  // namespace socks4::test
