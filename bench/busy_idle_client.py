#!/usr/bin/python3
"""Opens N h2c connections, makes R requests (GET /) on each, in batches of
100 in flight, and then holds the connections open and idle: what a server
keeps per connection that has been busy and now waits (browsers keep their
connections open like that).

Prints "ready" on stdout once every connection made its requests, then
holds them for --hold seconds (or until killed). Measure the server's
VmRSS before starting this and after "ready": the growth divided by N is
what one busy-then-idle connection costs (docs/PROFILE.md §10).

Uses Debian's python3-h2: run it with /usr/bin/python3.

Usage: busy_idle_client.py PORT N R [--hold S]
"""

import argparse
import socket
import time

import h2.config
import h2.connection
import h2.events

BATCH = 100


def busy_connection(port, requests):
    sock = socket.create_connection(('127.0.0.1', port))
    connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    connection.initiate_connection()
    sock.sendall(connection.data_to_send())
    done = 0
    while done < requests:
        batch = min(BATCH, requests - done)
        for _ in range(batch):
            stream_id = connection.get_next_available_stream_id()
            connection.send_headers(stream_id, [(':method', 'GET'), (':path', '/'), (':scheme', 'http'),
                                                (':authority', '127.0.0.1:%d' % port)], end_stream=True)
        sock.sendall(connection.data_to_send())
        ended = 0
        while ended < batch:
            data = sock.recv(65536)
            if not data:
                raise RuntimeError('the server closed the connection')
            for event in connection.receive_data(data):
                if isinstance(event, h2.events.StreamEnded):
                    ended += 1
                elif isinstance(event, h2.events.DataReceived):
                    connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            pending = connection.data_to_send()
            if pending:
                sock.sendall(pending)
        done += batch
    return sock


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('port', type=int)
    parser.add_argument('connections', type=int)
    parser.add_argument('requests', type=int)
    parser.add_argument('--hold', type=float, default=30)
    arguments = parser.parse_args()
    sockets = [busy_connection(arguments.port, arguments.requests) for _ in range(arguments.connections)]
    print('ready', flush=True)
    time.sleep(arguments.hold)
    for sock in sockets:
        sock.close()


if __name__ == '__main__':
    main()
