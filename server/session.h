// A client from accept until its request is answered: the I/O around the request. It reads the
// SOCKS4/4a request, asks identd, resolves a 4a name, runs the shell command and replies as
// the admission step (admission.h) decides, connects out (CONNECT) or waits for the inbound
// connection (BIND), and hands both sockets to a Relay. Every step is bounded (request size,
// negotiation and connect timeouts); every way out logs a line. docs/ARCHITECTURE.md, "Path of
// one CONNECT".
#pragma once

#include <array>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "admission.h"
#include "bind_listener.h"
#include "bind_primaries.h"
#include "bind_waiter.h"
#include "connector.h"
#include "dns_lookup.h"
#include "endpoint.h"
#include "identd_query.h"
#include "libevent_ptr.h"
#include "next_hop_connector.h"
#include "outbound_route.h"
#include "relay.h"
#include "server_context.h"
#include "socks4/proto.h"
#include "socks4/unique_fd.h"
#include "stats/counters.h"
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
  // The client came through a load balancer (PROXY header) and reached it at `reached`: the
  // identd query names that port as the server's. Without `reached` (LOCAL, UNKNOWN) it is
  // the balancer itself, a health check: closing before a request is logged only with -d.
  // `negotiation_deadline_ms`: the accept's negotiation timeout, which the header has used
  // some of.
  void set_proxied(const std::optional<Endpoint>& reached, int64_t negotiation_deadline_ms) {
    proxied_destination_ = reached;
    health_check_ = !reached;
    negotiation_deadline_ms_ = negotiation_deadline_ms;
  }
  bool awaiting_inbound() const { return phase_ == Phase::kAwaitingInbound; }  // for stats

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
  void arm_negotiation_timer();  // may end the session
  void read_early_data();
  void dispatch();

  // identd and admission, the one path of CONNECT and BIND (session_admission.cc).
  void ask_identd();  // when some rule may need identd; then admit()
  void on_identd(IdentdResult result);
  // Decides the request (admission.h): by DSTIP, or a 4a name by its name first (when no rule
  // looks at addresses) and then by each address it resolves to; then proceed().
  void admit();
  void on_resolved(int error, AddrinfoPtr result, bool name_admitted);
  AdmissionRequest admission_request() const;
  // Runs the admission's command, if any; a refusal ends the session. True if permitted.
  bool settle(const Admission& admission);
  void run_command(const AdmissionCommand& command);
  // CONNECT: connect_to; BIND: bind_to. `admission` is permitted.
  void proceed(Admission admission);

  // CONNECT.
  void connect_to(std::vector<Endpoint> addresses);
  void on_connected(int error, WatchedSocketPtr server, const Endpoint& peer);
  // Hands the client and `other` (the destination, or BIND's inbound connection, or the next
  // hop carrying either: `hop`) to a Relay; destroys *this.
  void start_relay(WatchedSocketPtr other, const Endpoint& other_peer, PrimaryHold primary,
                   std::unique_ptr<const Relay::HopRoute> hop = nullptr);
  // BIND (session_bind.cc).
  void bind_to(const Admission& admission);  // chooses the address the inbound must come from
  void listen_for_inbound(uint32_t destination_ip);
  void read_while_awaiting_inbound();
  // The last primary CONNECT this BIND depends on has closed (called on this thread).
  void on_primary_closed();
  void on_inbound(int error, socks4::UniqueFd inbound, const Endpoint& from);

  // Next hops (session_next_hop.cc). Each returns true when it has taken the request over (to
  // a next hop, or refused it); false leaves it to the direct path.
  bool route_name_first(bool name_admitted);               // a 4a name, before DNS
  bool bind_follows_named_primary(bool name_admitted);     // a 4a BIND by a hop primary's name
  bool pass_on_unresolved(int error, bool name_admitted);  // a 4a name DNS could not resolve
  bool route_outbound(Admission& admission);               // CONNECT by address; BIND by primary
  OutboundQuery outbound_query() const;
  std::string user_sent_on() const;  // USERID, or identd's user when identd named one
  void ask_next_hop(OutboundRoute route, const socks4::Request& request);
  void on_next_hop_reply(NextHopResult result);
  void on_next_hop_second_reply(NextHopResult result);
  // The hop's reply as it is; false if it could not be sent.
  bool send_hop_reply(const socks4::Reply& reply);
  // Ends the session after a hop's refusal or silence: `reply` (or 91) to the client.
  void end_with_hop_reply(const std::string& what, const std::optional<socks4::Reply>& reply,
                          const std::string& reason);

  // "CONNECT user=alice example.test:80" (untrusted parts sanitised).
  std::string describe() const;
  // The destination the client asked for, raw: "far.test:80", "198.51.100.2:80".
  std::string destination_text() const;
  // The request's fields as a JSON-lines event with `result` and `reason` (log_format json).
  void log_event(std::string_view result, std::string_view reason, std::string_view resolved = {},
                 std::string_view via = {}) const;
  // With the request's DSTPORT and DSTIP, or those of `address` if it is IPv4 (BIND replies,
  // and the granted reply to a 4a CONNECT: see sockd(8)).
  bool send_reply(socks4::ReplyCode code, const Endpoint* address = nullptr);
  // After a rejection: FIN after the reply, and no unread bytes left to turn the close into a
  // reset that could destroy the reply before the client reads it.
  void close_client();
  // Replies `code` (91, or 92/93 from identd), logs "<describe> -> rejected (<reason>)", closes.
  // `why` is the reason's class in sockd_rejections_total.
  void reject(stats::Reason why, const std::string& reason,
              socks4::ReplyCode code = socks4::ReplyCode::kRejected);
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
  std::optional<Endpoint> proxied_destination_;
  bool health_check_ = false;
  bool request_started_ = false;  // some byte of the request has arrived
  Phase phase_ = Phase::kRequest;
  socks4::RequestParser parser_;
  EventPtr timer_;
  DnsLookup lookup_;
  std::optional<Connector> connector_;
  std::optional<NextHopConnector> next_hop_;
  std::string via_;  // which route chose the next hop: "next_hop", "FILE line N", ...
  std::optional<BindListener> bind_listener_;
  // BIND: the DSTIP (host order) the inbound connection must come from.
  uint32_t bind_destination_ = 0;
  // BIND, while waiting for the inbound connection: counted against the BIND limits, and
  // told (through the weak handle the registry keeps) when the primary connection closes.
  std::shared_ptr<BindWaiter> bind_waiter_;
  std::optional<WaitingBind> waiting_bind_;
  bool client_ended_ = false;  // BIND: the client half-closed while waiting
  std::optional<IdentdQuery> identd_query_;
  std::optional<IdentdResult> identd_;   // once identd has been asked
  int64_t deadline_ms_ = 0;              // end of the connect phase (monotonic)
  int64_t negotiation_deadline_ms_ = 0;  // behind a balancer: from its accept; else 0
  int64_t request_us_ = 0;               // when the request was complete (stats)
  int64_t lookup_started_us_ = 0;        // when the 4a lookup started (stats)
  std::string resolved_text_;            // " (198.51.100.2)" for 4a log lines
  size_t early_size_ = 0;                // bytes after the request, at the start of buffer_
  std::array<uint8_t, kBufferSize> buffer_;
};

}  // namespace sockd
