// The benchmark's modes. Each prints one result line "key=value ..." on stdout and returns
// the process exit status.
#pragma once

#include "options.h"

namespace socksbench {

int run_serve(const Options& options);       // loopback echo + discard servers
int run_throughput(const Options& options);  // bulk transfer into the discard server
int run_connrate(const Options& options);    // connect, (SOCKS4), 1-byte echo, close
int run_hold(const Options& options);        // open and hold relayed connections
int run_probe(const Options& options);       // one echo round trip, retried until timeout
int run_storm(const Options& options);       // rounds of concurrent SOCKS4a lookups
int run_connects(const Options& options);    // sequential plain connects (socksify methods)
int run_relay(const Options& options);       // the protocol-only SOCKS4 relay (the floor)

}  // namespace socksbench
