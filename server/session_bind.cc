// BIND (CD=2). Not implemented yet: refused with 91 and a log line. The full version will
// listen for the application server's inbound connection, send the two replies and hand both
// sockets to a Relay, like CONNECT does.
#include "session.h"

namespace sockd {

void Session::handle_bind() {
  reject("BIND is not supported yet");
}

}  // namespace sockd
