#!/usr/bin/env python3
"""The slow DNS server of `make bench`'s 4a lookup storm (bench/run.sh; method in
docs/BENCHMARKS.md; the storm's client is `socksbench storm`).

  dns_storm.py dns PORT DELAY_MS
      A tiny DNS responder on 127.0.0.1:PORT (UDP) that answers every A question with
      127.0.0.1 after DELAY_MS (AAAA and others: an empty answer), each on its own timer, so
      many slow lookups are in flight at once. Runs until killed.

Loopback only. Standard library only.
"""
import asyncio
import resource
import socket
import struct
import sys


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


def main(argv):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if len(argv) == 4 and argv[1] == "dns":
        asyncio.run(run_dns(int(argv[2]), int(argv[3])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
