#include "bystander.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "byte_stream.h"
#include "socket_io.h"
#include "socks_client.h"

namespace socks4::test {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// One end of the transfer: a writer thread sending paced chunks until stop(), then SHUT_WR; a
// reader thread counting and hashing everything until EOF. Both are bounded by the socket's
// timeouts, so join() always returns.
class PacedEnd {
 public:
  PacedEnd(int fd, uint64_t seed, const Bystander::Options& options)
      : fd_(fd), seed_(seed), options_(options) {}

  void start() {
    set_io_timeout(fd_, options_.io_timeout);
    writer_ = std::thread([this] { write_loop(); });
    reader_ = std::thread([this] { read_loop(); });
  }
  void stop() { stop_ = true; }
  void join() {
    if (writer_.joinable()) writer_.join();
    if (reader_.joinable()) reader_.join();
  }
  uint64_t received_bytes() const { return received_bytes_.load(); }
  // Valid after join().
  const Checksum& sent() const { return sent_; }
  const Checksum& received() const { return received_; }
  bool clean_eof() const { return clean_eof_; }
  std::string problem() const {
    std::lock_guard lock(mutex_);
    return problem_;
  }

 private:
  void note(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (problem_.empty()) problem_ = what;
  }

  void write_loop() {
    ByteStream stream(seed_);
    std::vector<uint8_t> chunk(options_.chunk);
    while (!stop_) {
      stream.fill(chunk);
      if (!send_all(fd_, chunk)) {
        note(std::string("send failed: ") + std::strerror(errno));
        return;
      }
      sent_.add(chunk);
      std::this_thread::sleep_for(options_.pause);
    }
    if (shutdown(fd_, SHUT_WR) != 0) note(std::string("shutdown: ") + std::strerror(errno));
  }

  void read_loop() {
    std::vector<uint8_t> buffer(1 << 16);
    for (;;) {
      ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) {
        clean_eof_ = true;
        return;
      }
      if (n < 0) {
        note(std::string("recv failed: ") + std::strerror(errno));
        return;
      }
      received_.add(std::span(buffer).first(static_cast<size_t>(n)));
      received_bytes_ += static_cast<uint64_t>(n);
    }
  }

  const int fd_;
  const uint64_t seed_;
  const Bystander::Options options_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> received_bytes_{0};
  Checksum sent_, received_;
  bool clean_eof_ = false;
  mutable std::mutex mutex_;
  std::string problem_;
  std::thread writer_, reader_;
};

Bystander::Bystander(uint16_t sockd_port) : Bystander(sockd_port, Options{}) {}

Bystander::Bystander(uint16_t sockd_port, Options options) : options_(options) {
  peer_ = std::make_unique<LoopbackServer>([this](int fd) {
    if (peer_taken_.exchange(true)) return;
    auto end = std::make_shared<PacedEnd>(fd, options_.seed + 1, options_);
    peer_end_ = end;
    end->start();
    peer_started_.set_value();
    end->join();  // the server closes fd when the handler returns
    peer_done_.set_value();
  });
  std::optional<Reply> reply;
  client_fd_ =
      open_relay(sockd_port, connect_request("127.0.0.1", peer_->port(), "bystander"), &reply);
  if (!client_fd_) {
    error_ = "the bystander's relay was not granted (reply " +
             (reply ? std::to_string(static_cast<int>(reply->code)) : std::string("none")) + ")";
    return;
  }
  if (peer_started_.get_future().wait_for(milliseconds(10000)) != std::future_status::ready) {
    error_ = "the bystander's peer was never connected";
    return;
  }
  client_end_ = std::make_shared<PacedEnd>(client_fd_.get(), options_.seed, options_);
  client_end_->start();
}

Bystander::~Bystander() {
  finish();
}

uint64_t Bystander::delivered() const {
  if (!client_end_ || !peer_end_) return 0;
  return std::min(client_end_->received_bytes(), peer_end_->received_bytes());
}

bool Bystander::wait_for_progress(uint64_t bytes, milliseconds timeout) {
  const uint64_t target = delivered() + bytes;
  const auto deadline = Clock::now() + timeout;
  while (delivered() < target) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

std::string Bystander::finish(milliseconds timeout) {
  if (finished_) return verdict_;
  finished_ = true;
  if (!error_.empty()) return verdict_ = error_;
  client_end_->stop();
  peer_end_->stop();
  // Both ends read to EOF, which each sends once the other has stopped: bounded by the
  // socket timeouts. The deadline below only guards against a hung peer thread.
  const auto deadline = Clock::now() + timeout;
  client_end_->join();
  if (peer_done_.get_future().wait_until(deadline) != std::future_status::ready)
    verdict_ = "the bystander's peer did not finish within the timeout";
  peer_->stop();  // joins the peer's handler (woken by a shutdown if it is still running)
  auto check = [&](const char* direction, const PacedEnd& from, const PacedEnd& to) {
    if (!verdict_.empty()) return;
    if (!to.problem().empty()) {
      verdict_ = std::string(direction) + ": " + to.problem();
    } else if (!from.problem().empty()) {
      verdict_ = std::string(direction) + ": " + from.problem();
    } else if (!to.clean_eof()) {
      verdict_ = std::string(direction) + ": no EOF";
    } else if (to.received().bytes() != from.sent().bytes() ||
               to.received().value() != from.sent().value()) {
      verdict_ = std::string(direction) + ": received " + std::to_string(to.received().bytes()) +
                 " bytes, sent " + std::to_string(from.sent().bytes()) + ", checksums " +
                 (to.received().value() == from.sent().value() ? "equal" : "differ");
    } else if (from.sent().bytes() == 0) {
      verdict_ = std::string(direction) + ": nothing was sent";
    }
  };
  check("client to peer", *client_end_, *peer_end_);
  check("peer to client", *peer_end_, *client_end_);
  return verdict_;
}

}  // namespace socks4::test
