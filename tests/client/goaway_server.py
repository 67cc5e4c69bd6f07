#!/usr/bin/python3
"""A raw HTTP/2 (h2c) server for the client tests, built on python3-h2.

Usage: goaway_server.py MODE
  goaway N   The first connection collects N complete requests, then sends
             GOAWAY(NO_ERROR) whose last-stream-id is the (N/2)th request,
             answers the requests up to it and closes. Later connections
             answer every request. Each answer is "<connection> <stream id>".
  refuse N   The first connection refuses its first N streams with
             RST_STREAM(REFUSED_STREAM) and answers the rest.
  die N      The first connection collects N requests, then the process
             exits without answering.
  mute 0     Sends its SETTINGS, then never another byte (no PING answers).
Binds 127.0.0.1 on an ephemeral port and prints "PORT <n>" first.
"""
import os
import socket
import sys
import threading

import h2.config
import h2.connection
import h2.events
import h2.errors

MODE = sys.argv[1]
COUNT = int(sys.argv[2])


def answer(conn, stream_id, number):
    body = ("%d %d" % (number, stream_id)).encode()
    conn.send_headers(stream_id, [(":status", "200"), ("content-length", str(len(body)))])
    conn.send_data(stream_id, body, end_stream=True)


def serve(sock, number):
    config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
    conn = h2.connection.H2Connection(config=config)
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    if MODE == "mute":
        while sock.recv(65536):
            pass
        return
    complete = []
    refused = set()
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived) and MODE == "refuse" and number == 1 and len(refused) < COUNT:
                    refused.add(event.stream_id)
                    conn.reset_stream(event.stream_id, h2.errors.ErrorCodes.REFUSED_STREAM)
                elif isinstance(event, h2.events.StreamEnded):
                    if event.stream_id not in refused:
                        complete.append(event.stream_id)
                elif isinstance(event, h2.events.DataReceived):
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if number == 1 and MODE in ("goaway", "die"):
                if len(complete) >= COUNT:
                    if MODE == "die":
                        os._exit(0)
                    last = sorted(complete)[COUNT // 2 - 1]
                    for stream_id in sorted(complete):
                        if stream_id <= last:
                            answer(conn, stream_id, number)
                    conn.close_connection(error_code=0, last_stream_id=last)
                    sock.sendall(conn.data_to_send())
                    sock.close()
                    return
            else:
                for stream_id in complete:
                    answer(conn, stream_id, number)
                complete = []
            sock.sendall(conn.data_to_send())
    except Exception as exc:  # a client that goes away is normal here
        sys.stderr.write("connection %d: %r\n" % (number, exc))
    finally:
        sock.close()


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print("PORT %d" % listener.getsockname()[1], flush=True)
    number = 0
    while True:
        sock, _ = listener.accept()
        number += 1
        threading.Thread(target=serve, args=(sock, number), daemon=True).start()


main()
