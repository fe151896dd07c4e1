// A client from accept until its request is answered: reads the SOCKS4/4a request, checks the
// rules, resolves a 4a name, connects out (CONNECT) or waits for the inbound connection (BIND),
// replies, and hands both sockets to a Relay. Every
// step is bounded (request size, negotiation and connect timeouts); every way out logs a line.
#pragma once

#include <array>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bind_listener.h"
#include "bind_primaries.h"
#include "bind_waiter.h"
#include "connector.h"
#include "dns_lookup.h"
#include "endpoint.h"
#include "identd_query.h"
#include "libevent_ptr.h"
#include "rule_verdict.h"
#include "server_context.h"
#include "socks4/proto.h"
#include "socks4/unique_fd.h"
#include "watched_socket.h"

namespace sockd {

class Worker;

class Session : private WatchedSocket::Handler {
 public:
  Session(Worker& worker, socks4::UniqueFd client, const Endpoint& peer,
          std::shared_ptr<const ActiveConfig> config, ClientSlot slot);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start(std::list<Session>::iterator self);

 private:
  // Room for the request plus what a client sends right after it; more waits in the kernel.
  static constexpr size_t kBufferSize = 1024;
  static_assert(kBufferSize > socks4::kMaxRequestSize);

  enum class Phase { kRequest, kConnecting, kAwaitingInbound };

  void on_socket_event(WatchedSocket& socket, short what) override;
  int client_fd() const { return client_->fd(); }
  static void on_timer(evutil_socket_t, short, void* arg);
  // `before_registration`: called from start(), before the client's event reaches epoll.
  void read_request(bool before_registration);
  void read_early_data();
  void dispatch();
  void handle_connect();
  // BIND (session_bind.cc).
  void handle_bind();
  void on_bind_resolved(int error, AddrinfoPtr result);
  void listen_for_inbound(uint32_t destination_ip);
  void read_while_awaiting_inbound();
  // The last primary CONNECT this BIND depends on has closed (called on this thread).
  void on_primary_closed();
  void on_inbound(int error, socks4::UniqueFd inbound, const Endpoint& from);
  // A BIND reply naming `address` (where sockd listens, or where the inbound connection is from).
  bool send_bind_reply(socks4::ReplyCode code, const Endpoint& address);
  void on_resolved(int error, AddrinfoPtr result);
  void connect_to(std::vector<Endpoint> addresses);
  void on_connected(int error, WatchedSocketPtr server, const Endpoint& peer);

  // identd and the rules (session_rules.cc).
  void ask_identd();  // when some rule may need identd; then serve_request()
  void on_identd(IdentdResult result);
  void serve_request();  // the CONNECT or BIND path, once identd (if asked) is done
  // The rule verdict for this request and destination (DSTIP, a resolved address of the 4a
  // name, or nullopt for the name alone); empty if permitted, else the reason (and
  // rejection_code_ is the reply to send). A permit runs the rule's shell command; a denial's
  // command waits for settle_denial(), as a later address of a 4a name may be permitted. At
  // most one command runs per request.
  std::string check_rules(std::optional<socks4::IpAddress> destination);
  // Each resolved address checked on its own, in order: those the rules permit (with
  // `port`), and in `first_denial` the first refusal's reason.
  std::vector<Endpoint> permitted_addresses(const evutil_addrinfo* result, uint16_t port,
                                            std::string* first_denial);
  void settle_denial();  // runs the first denial's command unless a permit came first
  void run_command(const RuleVerdict& verdict, std::optional<socks4::IpAddress> destination);
  // "CONNECT user=alice example.test:80" (untrusted parts sanitised).
  std::string describe() const;
  // With the request's DSTPORT and DSTIP, or those of `connected` if it is IPv4 (the granted
  // reply to a 4a CONNECT: see sockd(8)).
  bool send_reply(socks4::ReplyCode code, const Endpoint* connected = nullptr);
  // After a rejection: FIN after the reply, and no unread bytes left to turn the close into a
  // reset that could destroy the reply before the client reads it.
  void close_client();
  // Replies rejection_code_ (91, or 92/93 from identd), logs "<describe> -> rejected (<reason>)",
  // closes.
  void reject(const std::string& reason);
  // Logs "<peer> <what>" and closes without a reply.
  void drop(const std::string& what);
  void end();  // destroys *this

  Worker& worker_;
  std::list<Session>::iterator self_;
  ClientSlot slot_;
  std::shared_ptr<const ActiveConfig> config_;
  // Watched from accept to close: the relay takes over the same registration.
  WatchedSocketPtr client_;
  Endpoint peer_;
  std::string peer_text_;
  Phase phase_ = Phase::kRequest;
  socks4::RequestParser parser_;
  EventPtr timer_;
  DnsLookup lookup_;
  std::optional<Connector> connector_;
  std::optional<BindListener> bind_listener_;
  // BIND: the DSTIP (host order) the inbound connection must come from.
  uint32_t bind_destination_ = 0;
  // BIND, while waiting for the inbound connection: counted against the BIND limits, and
  // told (through the weak handle the registry keeps) when the primary connection closes.
  std::shared_ptr<BindWaiter> bind_waiter_;
  std::optional<WaitingBind> waiting_bind_;
  bool client_ended_ = false;  // BIND: the client half-closed while waiting
  std::optional<IdentdQuery> identd_query_;
  std::optional<IdentdResult> identd_;  // once identd has been asked
  std::optional<RuleVerdict> first_denial_;
  std::optional<socks4::IpAddress> first_denial_destination_;
  bool verdict_settled_ = false;  // a permit or a denial has run its command (if any)
  socks4::ReplyCode rejection_code_ = socks4::ReplyCode::kRejected;
  int64_t deadline_ms_ = 0;    // end of the connect phase (monotonic)
  std::string resolved_text_;  // " (198.51.100.2)" for 4a log lines
  size_t early_size_ = 0;      // bytes after the request, at the start of buffer_
  std::array<uint8_t, kBufferSize> buffer_;
};

}  // namespace sockd
