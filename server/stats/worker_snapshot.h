// A worker's answer to a SnapshotRequest (relay_snapshot.h), built on the worker's own thread
// from its counters, sessions and relays.
#pragma once

#include <list>

#include "counters.h"
#include "relay_snapshot.h"

namespace sockd {
class Session;
class Relay;
}  // namespace sockd

namespace sockd::stats {

WorkerSnapshot take_snapshot(const WorkerCounters& counters, const std::list<Session>& sessions,
                             const std::list<Relay>& relays, bool with_relays);

}  // namespace sockd::stats
