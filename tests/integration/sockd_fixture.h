// Base fixture for integration tests: one sockd per test on an ephemeral loopback port.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "../support/sockd_process.h"

namespace socks4::test {

class SockdTest : public ::testing::Test {
 protected:
  // Use as ASSERT_NO_FATAL_FAILURE(start_sockd(...)).
  void start_sockd(SockdOptions options = {}) {
    sockd_ = std::make_unique<SockdProcess>(std::move(options));
    ASSERT_TRUE(sockd_->start()) << sockd_->error();
  }
  SockdProcess& sockd() { return *sockd_; }
  uint16_t port() const { return sockd_->port(); }

  void TearDown() override {
    if (HasFailure() && sockd_) std::cerr << "--- sockd stderr:\n" << sockd_->log() << "---\n";
  }

 private:
  std::unique_ptr<SockdProcess> sockd_;
};

}  // namespace socks4::test
