#!/usr/bin/env python3
"""The 4a lookup storm of `make bench` (bench/run.sh; method in docs/BENCHMARKS.md).

  dns_storm.py dns PORT DELAY_MS
      A tiny DNS responder on 127.0.0.1:PORT (UDP) that answers every A question with
      127.0.0.1 after DELAY_MS (AAAA and others: an empty answer), each on its own timer, so
      many slow lookups are in flight at once. Runs until killed.

  dns_storm.py storm PROXY_HOST:PORT TARGET_PORT SECONDS COUNT NAMES...
      For SECONDS, rounds of COUNT concurrent SOCKS4a CONNECTs through the proxy to
      TARGET_PORT, the names taken in turn from NAMES (a name ending in ".slow" gets a unique
      prefix per request, so no cache can answer it). Each connection reads its reply and
      closes. Prints one line: rounds, requests, granted, failed, worst reply latency.

Loopback only. Standard library only.
"""
import asyncio
import resource
import socket
import struct
import sys
import time


class SlowDns(asyncio.DatagramProtocol):
    def __init__(self, delay):
        self.delay = delay
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        if len(data) < 12:
            return
        asyncio.get_running_loop().call_later(self.delay, self.answer, data, addr)

    def answer(self, query, addr):
        ident, flags = struct.unpack("!HH", query[:4])
        # The question: labels up to the zero byte, then QTYPE and QCLASS.
        end = 12
        while end < len(query) and query[end] != 0:
            end += query[end] + 1
        question = query[12:end + 5]
        if len(question) < 5:
            return
        qtype = struct.unpack("!H", question[-4:-2])[0]
        header_flags = 0x8180 | (flags & 0x0100)  # response, recursion available, RD echoed
        answers = b""
        if qtype == 1:  # A
            answers = struct.pack("!HHHIH4s", 0xC00C, 1, 1, 60, 4, socket.inet_aton("127.0.0.1"))
        header = struct.pack("!HHHHHH", ident, header_flags, 1, 1 if answers else 0, 0, 0)
        self.transport.sendto(header + question + answers, addr)


async def run_dns(port, delay_ms):
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: SlowDns(delay_ms / 1000.0),
                                        local_addr=("127.0.0.1", port))
    print(f"dns 127.0.0.1:{port} delay_ms={delay_ms}", flush=True)
    await asyncio.Event().wait()


def socks4a_request(name, port):
    return struct.pack("!BBH4s", 4, 1, port, bytes([0, 0, 0, 1])) + b"storm\0" + name.encode() + b"\0"


async def one_lookup(host, port, request, timeout):
    started = time.monotonic()
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.write(request)
        reply = await asyncio.wait_for(reader.readexactly(8), timeout)
        return reply[1] == 90, time.monotonic() - started
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        return False, time.monotonic() - started
    finally:
        if writer is not None:
            writer.close()


async def run_storm(proxy, target_port, seconds, count, names):
    host, port = proxy.rsplit(":", 1)
    port = int(port)
    deadline = time.monotonic() + seconds
    rounds = requests = granted = 0
    worst = 0.0
    serial = 0
    while time.monotonic() < deadline:
        batch = []
        for i in range(count):
            name = names[i % len(names)]
            if name.endswith(".slow"):
                serial += 1
                name = f"q{serial}.{name}"
            batch.append(one_lookup(host, port, socks4a_request(name, target_port), 10))
        results = await asyncio.gather(*batch)
        rounds += 1
        requests += len(results)
        granted += sum(1 for ok, _ in results if ok)
        worst = max([worst] + [latency for _, latency in results])
    print(f"mode=storm rounds={rounds} requests={requests} granted={granted} "
          f"failed={requests - granted} worst_reply_ms={worst * 1000:.0f}", flush=True)
    return 0 if granted == requests else 1


def main(argv):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if len(argv) == 4 and argv[1] == "dns":
        asyncio.run(run_dns(int(argv[2]), int(argv[3])))
        return 0
    if len(argv) >= 7 and argv[1] == "storm":
        return asyncio.run(run_storm(argv[2], int(argv[3]), float(argv[4]), int(argv[5]),
                                     argv[6:]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
