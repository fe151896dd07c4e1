// A raw SOCKS4 client for tests: sends exactly the bytes a test chooses, reads the 8-byte reply
// with a timeout.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "socket_io.h"
#include "socks4/proto.h"

namespace socks4::test {

std::vector<uint8_t> connect_request(const std::string& ip, uint16_t port,
                                     const std::string& user = "tester");
std::vector<uint8_t> connect_request_4a(const std::string& host, uint16_t port,
                                        const std::string& user = "tester");

// Reads and parses the 8-byte reply; nullopt on EOF, timeout or an invalid reply.
std::optional<Reply> read_reply(int fd);

// Connects to sockd on 127.0.0.1:sockd_port and sends `request`. Empty fd if the connection
// failed.
UniqueFd send_request(uint16_t sockd_port, std::span<const uint8_t> request);

// A relay through sockd: connected, request sent, reply read. `reply` receives it if given.
// The fd is empty unless the reply was 90.
UniqueFd open_relay(uint16_t sockd_port, std::span<const uint8_t> request,
                    std::optional<Reply>* reply = nullptr);

}  // namespace socks4::test
