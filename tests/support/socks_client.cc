#include "socks_client.h"

namespace socks4::test {

std::vector<uint8_t> connect_request(const std::string& ip, uint16_t port,
                                     const std::string& user) {
  return encode_request({Command::kConnect, port, parse_ipv4(ip), user, ""});
}

std::vector<uint8_t> connect_request_4a(const std::string& host, uint16_t port,
                                        const std::string& user) {
  return encode_request({Command::kConnect, port, 0, user, host});
}

std::optional<Reply> read_reply(int fd) {
  auto bytes = recv_exact(fd, kReplySize);
  if (!bytes) return std::nullopt;
  ReplyParse parsed = parse_reply(*bytes);
  if (parsed.status != ParseStatus::kComplete) return std::nullopt;
  return parsed.reply;
}

UniqueFd send_request(uint16_t sockd_port, std::span<const uint8_t> request) {
  UniqueFd fd = connect_tcp("127.0.0.1", sockd_port);
  if (fd && !send_all(fd.get(), request)) return {};
  return fd;
}

UniqueFd open_relay(uint16_t sockd_port, std::span<const uint8_t> request,
                    std::optional<Reply>* reply) {
  UniqueFd fd = send_request(sockd_port, request);
  if (!fd) return {};
  std::optional<Reply> r = read_reply(fd.get());
  if (reply) *reply = r;
  if (!r || r->code != ReplyCode::kGranted) return {};
  return fd;
}

}  // namespace socks4::test
