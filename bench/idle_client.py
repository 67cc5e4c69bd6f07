#!/usr/bin/env python3
"""Opens N idle HTTP/2 connections to a server and holds them.

Each connection: TCP connect; for --tls a TLS handshake offering ALPN "h2"
(certificate not verified); the client connection preface and an empty
SETTINGS frame; then it reads frames until the server's SETTINGS has arrived
and acknowledges it. After that the connection stays open and idle: the
client only answers PING (ACK) and SETTINGS (ACK) and opens no stream.

When every connection is set up (or has failed) it prints one line
  ready OPEN FAILED SECONDS
on stdout and holds the connections until it is killed (SIGTERM/SIGINT) or
--hold seconds have passed. Connections the server closes meanwhile are
counted and reported on stderr at exit.

Usage: idle_client.py HOST PORT N [--tls] [--parallel P] [--hold S]
"""

import argparse
import asyncio
import signal
import ssl
import struct
import sys
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS = 0x4
PING = 0x6
GOAWAY = 0x7
ACK = 0x1


def frame(ftype, flags, payload=b"", stream=0):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


class Stats:
    open = 0
    failed = 0
    closed_by_server = 0
    goaway = 0
    errors = {}


async def read_frame(reader):
    header = await reader.readexactly(9)
    length = int.from_bytes(header[0:3], "big")
    ftype, flags = header[3], header[4]
    payload = await reader.readexactly(length) if length else b""
    return ftype, flags, payload


async def connection(host, port, context, semaphore, ready, stats, holders):
    try:
        async with semaphore:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, ssl=context, server_hostname="localhost" if context else None),
                timeout=60,
            )
            if context is not None:
                alpn = writer.get_extra_info("ssl_object").selected_alpn_protocol()
                if alpn != "h2":
                    raise RuntimeError("ALPN selected %r" % alpn)
            writer.write(PREFACE + frame(SETTINGS, 0))
            await writer.drain()
            while True:
                ftype, flags, payload = await asyncio.wait_for(read_frame(reader), timeout=60)
                if ftype == SETTINGS and not flags & ACK:
                    writer.write(frame(SETTINGS, ACK))
                    await writer.drain()
                    break
                if ftype == GOAWAY:
                    raise RuntimeError("GOAWAY before SETTINGS")
        stats.open += 1
        holders.append(writer)
    except Exception as e:  # noqa: BLE001 - any failure counts as failed
        stats.failed += 1
        key = type(e).__name__ + ": " + str(e)[:80]
        stats.errors[key] = stats.errors.get(key, 0) + 1
        ready()
        return
    ready()
    try:
        while True:
            ftype, flags, payload = await read_frame(reader)
            if ftype == PING and not flags & ACK:
                writer.write(frame(PING, ACK, payload))
            elif ftype == SETTINGS and not flags & ACK:
                writer.write(frame(SETTINGS, ACK))
            elif ftype == GOAWAY:
                stats.goaway += 1
    except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
        stats.closed_by_server += 1


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--parallel", type=int, default=64, help="connections being set up at once")
    parser.add_argument("--hold", type=float, default=600)
    args = parser.parse_args()

    context = None
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_alpn_protocols(["h2"])
        context.minimum_version = ssl.TLSVersion.TLSv1_3

    stats = Stats()
    holders = []
    semaphore = asyncio.Semaphore(args.parallel)
    done = asyncio.Event()
    remaining = [args.count]

    def ready():
        remaining[0] -= 1
        if remaining[0] == 0:
            done.set()

    start = time.monotonic()
    tasks = [
        asyncio.ensure_future(connection(args.host, args.port, context, semaphore, ready, stats, holders))
        for _ in range(args.count)
    ]
    await done.wait()
    print("ready %d %d %.2f" % (stats.open, stats.failed, time.monotonic() - start), flush=True)
    for key, n in stats.errors.items():
        print("  %d x %s" % (n, key), file=sys.stderr)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.hold)
    except asyncio.TimeoutError:
        pass
    print(
        "idle_client: %d open, %d closed by the server, %d GOAWAY received while idle"
        % (stats.open, stats.closed_by_server, stats.goaway),
        file=sys.stderr,
    )
    for t in tasks:
        t.cancel()
    for w in holders:
        w.transport.abort()


if __name__ == "__main__":
    asyncio.run(main())
