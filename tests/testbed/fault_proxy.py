#!/usr/bin/env python3
"""DNS forwarder on loopback that loses and truncates UDP replies.

Listens on 127.0.0.1 (UDP and TCP, one port) and forwards to an upstream
on 127.0.0.1. For each UDP query it draws one random number: below
--drop the query is dropped, below --drop + --truncate the client gets an
empty reply with the TC bit (as NSD's response rate limiting sends when it
"slips"), otherwise the upstream's reply is relayed. TCP connections are
relayed unchanged, except that --tcp-drop closes some without a reply and
--tcp-stall keeps some open without ever replying.

Prints the listening port on stdout once ready, then runs until SIGTERM.
"""

import argparse
import asyncio
import random
import signal
import socket
import struct
import sys

UPSTREAM_TIMEOUT = 5.0


def truncated_reply(query: bytes) -> bytes | None:
    """Return a reply to query with QR and TC set and only the question."""
    if len(query) < 12:
        return None
    ident, flags, qdcount = struct.unpack("!HHH", query[:6])
    if qdcount != 1:
        return None
    # QR=1, keep opcode and RD, TC=1; RCODE 0.
    flags = 0x8000 | (flags & 0x7900) | 0x0200
    # The question runs from offset 12 to the end of its QTYPE and QCLASS.
    position = 12
    while position < len(query) and query[position] != 0:
        position += 1 + query[position]
    end = position + 1 + 4
    if end > len(query):
        return None
    return struct.pack("!HHHHHH", ident, flags, 1, 0, 0, 0) + query[12:end]


class UdpFront(asyncio.DatagramProtocol):
    def __init__(self, options, stats):
        self.options = options
        self.stats = stats
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, client):
        self.stats["udp"] += 1
        draw = random.random()
        if draw < self.options.drop:
            self.stats["dropped"] += 1
            return
        if draw < self.options.drop + self.options.truncate:
            reply = truncated_reply(data)
            if reply is not None:
                self.stats["truncated"] += 1
                self.transport.sendto(reply, client)
            return
        asyncio.get_running_loop().create_task(self.forward(data, client))

    async def forward(self, data, client):
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, ("127.0.0.1", self.options.upstream))
            await loop.sock_sendall(sock, data)
            reply = await asyncio.wait_for(loop.sock_recv(sock, 65535),
                                           UPSTREAM_TIMEOUT)
            self.transport.sendto(reply, client)
            self.stats["forwarded"] += 1
        except (OSError, asyncio.TimeoutError) as error:
            print(f"fault_proxy: UDP forward failed: {error}",
                  file=sys.stderr)
        finally:
            sock.close()


def ack_quickly(reader_socket):
    """Set TCP_QUICKACK so that a server's second reply is not held back
    by Nagle's algorithm until our delayed ACK (about 40 ms)."""
    try:
        reader_socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    except OSError:
        pass


async def pipe(reader, writer, reader_socket):
    try:
        ack_quickly(reader_socket)
        while data := await reader.read(65535):
            ack_quickly(reader_socket)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def handle_tcp(options, stats, client_reader, client_writer):
    stats["tcp"] += 1
    draw = random.random()
    if draw < options.tcp_drop:
        stats["tcp_dropped"] += 1
        client_writer.close()
        return
    if draw < options.tcp_drop + options.tcp_stall:
        stats["tcp_stalled"] += 1
        while await client_reader.read(65535):
            pass
        client_writer.close()
        return
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(
            "127.0.0.1", options.upstream)
    except OSError as error:
        print(f"fault_proxy: TCP connect failed: {error}", file=sys.stderr)
        client_writer.close()
        return
    await asyncio.gather(
        pipe(client_reader, upstream_writer,
             client_writer.get_extra_info("socket")),
        pipe(upstream_reader, client_writer,
             upstream_writer.get_extra_info("socket")))


async def serve(options):
    loop = asyncio.get_running_loop()
    stats = {key: 0 for key in ("udp", "dropped", "truncated", "forwarded",
                                "tcp", "tcp_dropped", "tcp_stalled")}
    tcp = await asyncio.start_server(
        lambda r, w: handle_tcp(options, stats, r, w), "127.0.0.1",
        options.port)
    port = tcp.sockets[0].getsockname()[1]
    udp, _ = await loop.create_datagram_endpoint(
        lambda: UdpFront(options, stats), local_addr=("127.0.0.1", port))
    print(port, flush=True)

    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    udp.close()
    tcp.close()
    print("fault_proxy: " + " ".join(f"{k}={v}" for k, v in stats.items()),
          file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", type=int, required=True,
                        help="upstream port on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0,
                        help="port to listen on (default: any free port)")
    parser.add_argument("--drop", type=float, default=0.0,
                        help="fraction of UDP queries dropped (0 to 1)")
    parser.add_argument("--truncate", type=float, default=0.0,
                        help="fraction of UDP queries answered with TC")
    parser.add_argument("--tcp-drop", type=float, default=0.0,
                        help="fraction of TCP connections closed unanswered")
    parser.add_argument("--tcp-stall", type=float, default=0.0,
                        help="fraction of TCP connections never answered")
    parser.add_argument("--seed", type=int, help="random seed")
    options = parser.parse_args()
    if options.drop + options.truncate > 1.0:
        parser.error("--drop plus --truncate must not exceed 1")
    if options.tcp_drop + options.tcp_stall > 1.0:
        parser.error("--tcp-drop plus --tcp-stall must not exceed 1")
    if options.seed is not None:
        random.seed(options.seed)
    asyncio.run(serve(options))


if __name__ == "__main__":
    main()
