#!/usr/bin/python3
"""A hostile HTTP/2 server for the client tests: raw frames (hyperframe for
parsing what the client sends, hpack for header blocks, hand-built bytes for
everything a well-behaved library would refuse to produce).

Usage: hostile_server.py SCENARIO RECORD_FILE [--tls CERT KEY] [--alpn P1,P2]

Binds 127.0.0.1 on an ephemeral port and prints "PORT <n>" first. Requests
for any path but "/bad" get "200 <connection> <stream id>"; "/bad" gets the
scenario's misbehaviour (per-request scenarios). Connection-level scenarios
misbehave on the first connection only; later connections behave. Every frame
of interest the client sends is appended to RECORD_FILE, one line each:
  <connection> GOAWAY <error name> <last stream id>
  <connection> RST_STREAM <stream id> <error name>
  <connection> PING_ACK                 (an answer to our PING)
  <connection> REQUEST <stream id> <path>
  <connection> EOF                      (the client closed the connection)
"""
import socket
import ssl
import struct
import sys
import threading
import time

import hpack
from hyperframe.frame import Frame

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
ERRORS = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
          "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
          "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"]
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

SCENARIO = sys.argv[1]
RECORD_FILE = sys.argv[2]
record_lock = threading.Lock()
state_lock = threading.Lock()
state = {"refused": 0, "gathered": []}


def record(number, line):
    with record_lock:
        with open(RECORD_FILE, "a") as out:
            out.write("%d %s\n" % (number, line))


def frame(kind, flags, stream_id, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream_id) + payload


def settings(*pairs):
    return frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", key, value) for key, value in pairs))


def error_name(code):
    return ERRORS[code] if code < len(ERRORS) else "0x%x" % code


class Connection:
    def __init__(self, sock, number):
        self.sock = sock
        self.number = number
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.decoder.max_allowed_table_size = 65536
        self.send_lock = threading.Lock()
        self.streams = {}  # stream id -> request headers (dict)
        self.held = None  # frames kept back until the delayed preface left

    def send(self, data):
        if self.held is not None:
            self.held.append(data)
            return
        self.send_now(data)

    def release(self, preface):
        held, self.held = self.held, None
        self.send_now(preface + b"".join(held))

    def send_now(self, data):
        # A client that already closed is no reason to stop reading: its
        # GOAWAY may still wait in the receive buffer.
        with self.send_lock:
            try:
                self.sock.sendall(data)
            except OSError:
                pass

    def headers(self, stream_id, fields, end_stream=False):
        block = self.encoder.encode(fields, huffman=False)
        return frame(HEADERS, END_HEADERS | (END_STREAM if end_stream else 0), stream_id, block)

    def answer(self, stream_id, body=None):
        if body is None:
            body = ("%d %d" % (self.number, stream_id)).encode()
        self.send(self.headers(stream_id, [(":status", "200"), ("content-length", str(len(body)))])
                  + frame(DATA, END_STREAM, stream_id, body))

    def recv_exact(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def read_frames(self):
        """Yields (frame, raw payload) for every frame the client sends."""
        if self.recv_exact(len(PREFACE)) != PREFACE:
            return
        while True:
            header = self.recv_exact(9)
            if header is None:
                return
            length = int.from_bytes(header[:3], "big")
            payload = self.recv_exact(length) if length else b""
            if payload is None:
                return
            parsed, _ = Frame.parse_frame_header(memoryview(header), strict=False)
            parsed.parse_body(memoryview(payload))
            yield parsed, payload


# ---- per-request misbehaviour ("/bad") ----

def respond_with_fields(fields):
    def respond(conn, stream_id):
        conn.send(conn.headers(stream_id, fields) + frame(DATA, END_STREAM, stream_id, b"body"))
    return respond


def content_length_more(conn, stream_id):
    conn.send(conn.headers(stream_id, [(":status", "200"), ("content-length", "5")])
              + frame(DATA, END_STREAM, stream_id, b"0123456789"))


def content_length_fewer(conn, stream_id):
    conn.send(conn.headers(stream_id, [(":status", "200"), ("content-length", "10")])
              + frame(DATA, END_STREAM, stream_id, b"01234"))


def data_before_headers(conn, stream_id):
    conn.send(frame(DATA, 0, stream_id, b"early") + conn.headers(stream_id, [(":status", "200")])
              + frame(DATA, END_STREAM, stream_id, b"late"))


def headers_on_idle_stream(conn, stream_id):
    conn.send(conn.headers(stream_id + 2, [(":status", "200")], end_stream=True))


def push_promise(conn, stream_id):
    block = conn.encoder.encode([(":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", "/pushed")])
    conn.send(frame(PUSH_PROMISE, END_HEADERS, stream_id, struct.pack(">I", 2) + block))


def oversized_data(conn, stream_id):
    conn.send(conn.headers(stream_id, [(":status", "200")]) + frame(DATA, END_STREAM, stream_id, b"x" * 16385))


def window_overflow_connection(conn, stream_id):
    conn.send(frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 0x7fffffff)))


def window_overflow_stream(conn, stream_id):
    conn.send(frame(WINDOW_UPDATE, 0, stream_id, struct.pack(">I", 0x7fffffff)))


def reset_with(code):
    def respond(conn, stream_id):
        conn.send(frame(RST_STREAM, 0, stream_id, struct.pack(">I", code)))
    return respond


def refuse_once(conn, stream_id):
    with state_lock:
        refuse = state["refused"] == 0
        state["refused"] += 1
    if refuse:
        conn.send(frame(RST_STREAM, 0, stream_id, struct.pack(">I", 7)))
    else:
        conn.answer(stream_id)


def mute_mid_response(conn, stream_id):
    conn.send(conn.headers(stream_id, [(":status", "200"), ("content-length", "100")])
              + frame(DATA, 0, stream_id, b"partial"))


def close_mid_body(conn, stream_id):
    conn.send(conn.headers(stream_id, [(":status", "200"), ("content-length", "100")])
              + frame(DATA, 0, stream_id, b"partial"))
    time.sleep(0.05)
    conn.sock.shutdown(socket.SHUT_RDWR)


def hpack_garbage(conn, stream_id):
    # 0xff 0xff 0xff 0xff 0x7f: an indexed field with an index far beyond both tables.
    conn.send(frame(HEADERS, END_HEADERS | END_STREAM, stream_id, b"\xff\xff\xff\xff\x0f"))


def informational(conn, stream_id):
    conn.send(conn.headers(stream_id, [(":status", "100")])
              + conn.headers(stream_id, [(":status", "103"), ("link", "</style.css>; rel=preload")])
              + conn.headers(stream_id, [(":status", "200"), ("content-length", "5")])
              + frame(DATA, END_STREAM, stream_id, b"final"))


def trailers(conn, stream_id):
    conn.send(conn.headers(stream_id, [(":status", "200"), ("trailer", "x-checksum")])
              + frame(DATA, 0, stream_id, b"body with trailers")
              + conn.headers(stream_id, [("x-checksum", "abc123")], end_stream=True))


def hpack_bomb(conn, stream_id):
    # One 4000-byte field enters the dynamic table (about 4 KiB of the 4 KiB
    # it may hold), then 300 one-byte references to it: 1.2 MB decoded from
    # a 4 KiB block, over the client's 1 MiB header list limit.
    block = conn.encoder.encode([(":status", "200"), ("x-bomb", "b" * 4000)], huffman=False) + b"\xbe" * 300
    conn.send(frame(HEADERS, END_HEADERS | END_STREAM, stream_id, block))


def ping_then_answer(conn, stream_id):
    conn.send(b"".join(frame(PING, 0, 0, struct.pack(">Q", i)) for i in range(200)))
    conn.answer(stream_id)


def nothing(conn, stream_id):
    pass


PER_REQUEST = {
    "ok": lambda conn, stream_id: conn.answer(stream_id),
    "no_status": respond_with_fields([("content-type", "text/plain")]),
    "status_not_3_digits": respond_with_fields([(":status", "2000")]),
    "status_not_numeric": respond_with_fields([(":status", "20x")]),
    "duplicate_status": respond_with_fields([(":status", "200"), (":status", "204")]),
    "pseudo_after_regular": respond_with_fields([("content-type", "text/plain"), (":status", "200")]),
    "uppercase_name": respond_with_fields([(":status", "200"), ("X-Upper", "1")]),
    "connection_header": respond_with_fields([(":status", "200"), ("connection", "keep-alive")]),
    "transfer_encoding": respond_with_fields([(":status", "200"), ("transfer-encoding", "chunked")]),
    "request_pseudo": respond_with_fields([(":status", "200"), (":path", "/")]),
    "content_length_more": content_length_more,
    "content_length_fewer": content_length_fewer,
    "data_before_headers": data_before_headers,
    "headers_on_idle_stream": headers_on_idle_stream,
    "push_promise": push_promise,
    "oversized_data": oversized_data,
    "window_overflow_connection": window_overflow_connection,
    "window_overflow_stream": window_overflow_stream,
    "reset_internal_error": reset_with(2),
    "reset_enhance_your_calm": reset_with(11),
    "refuse_once": refuse_once,
    "mute_mid_response": mute_mid_response,
    "close_mid_body": close_mid_body,
    "hpack_garbage": hpack_garbage,
    "informational": informational,
    "trailers": trailers,
    "hpack_bomb": hpack_bomb,
    "ping_then_answer": ping_then_answer,
    # The upload never gets window: the server's SETTINGS (below) leave the
    # stream window at 0, or keep the connection window at its 65535.
    "stream_window_zero": nothing,
    "connection_window_stuck": nothing,
    # GOAWAY scenarios gather requests first (see gather()).
    "goaway_in_flight": nothing,
    "goaway_then_close": nothing,
    "goaway_error_then_close": nothing,
}

# SETTINGS of the first connection; later ones send an empty SETTINGS frame.
FIRST_SETTINGS = {
    "stream_window_zero": settings((4, 0)),
    "connection_window_stuck": settings((4, 1 << 20)),
    "settings_enable_push_2": settings((2, 2)),
    "settings_window_too_large": settings((4, 0x80000000)),
    "settings_frame_size_too_small": settings((5, 16383)),
    "settings_frame_size_too_large": settings((5, 1 << 24)),
    "bad_preface": frame(PING, 0, 0, b"\0" * 8),
    "garbage_preface": b"hello? this is not HTTP/2 at all\r\n\r\n",
    "http1_answer": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    "ping_flood": settings() + b"".join(frame(PING, 0, 0, struct.pack(">Q", i)) for i in range(20000)),
}

# Sent only once the client's first HEADERS arrived, so that the request is
# on the wire when the client finds the connection broken (a request whose
# HEADERS never left would be retried on a new connection instead).
DELAYED_PREFACE = set(FIRST_SETTINGS) - {"stream_window_zero", "connection_window_stuck"}

GATHER = 4  # requests a GOAWAY scenario collects before it acts


def gather(conn, stream_id):
    """GOAWAY scenarios: once GATHER "/bad" requests arrived on the first
    connection, send GOAWAY with the second lowest id as last stream id."""
    with state_lock:
        state["gathered"].append(stream_id)
        if len(state["gathered"]) < GATHER:
            return
        ids = sorted(state["gathered"])
    last = ids[1]
    if SCENARIO == "goaway_in_flight":
        conn.send(frame(GOAWAY, 0, 0, struct.pack(">II", last, 0)))
        for answered in ids[:2]:
            conn.answer(answered)
        time.sleep(0.2)
    elif SCENARIO == "goaway_then_close":
        conn.send(frame(GOAWAY, 0, 0, struct.pack(">II", last, 0)))
    else:
        conn.send(frame(GOAWAY, 0, 0, struct.pack(">II", 0, 1) + b"go away"))
    conn.sock.shutdown(socket.SHUT_RDWR)


def serve(sock, number):
    conn = Connection(sock, number)
    first = number == 1
    try:
        silent = first and SCENARIO == "silent"
        if silent:
            conn.send = lambda data: None
        preface = FIRST_SETTINGS.get(SCENARIO, settings()) if first else settings()
        if first and SCENARIO in DELAYED_PREFACE:
            conn.held = []
        else:
            conn.send(preface)
        for parsed, payload in conn.read_frames():
            kind = parsed.type
            if conn.held is not None and kind == HEADERS:
                if SCENARIO in ("http1_answer", "garbage_preface"):
                    conn.held = None
                    conn.send(preface)
                    time.sleep(0.5)
                    return
                conn.release(preface)
            if kind == SETTINGS and "ACK" not in parsed.flags:
                conn.send(frame(SETTINGS, ACK, 0))
            elif kind == PING:
                if "ACK" in parsed.flags:
                    record(number, "PING_ACK")
                else:
                    conn.send(frame(PING, ACK, 0, payload))
            elif kind == GOAWAY:
                last, code = struct.unpack(">II", payload[:8])
                record(number, "GOAWAY %s %d" % (error_name(code), last & 0x7fffffff))
            elif kind == RST_STREAM:
                record(number, "RST_STREAM %d %s" % (parsed.stream_id, error_name(struct.unpack(">I", payload)[0])))
            elif kind == HEADERS:
                fields = dict(conn.decoder.decode(bytes(parsed.data)))
                conn.streams[parsed.stream_id] = fields
                path = fields.get(":path", "")
                record(number, "REQUEST %d %s" % (parsed.stream_id, path))
                if "END_STREAM" in parsed.flags:
                    on_request(conn, parsed.stream_id, first)
            elif kind == DATA and "END_STREAM" in parsed.flags:
                on_request(conn, parsed.stream_id, first)
        record(number, "EOF")
    except OSError as exc:  # the client going away is normal here
        record(number, "EOF %r" % exc)
    finally:
        sock.close()


def on_request(conn, stream_id, first):
    if conn.streams.get(stream_id, {}).get(":path") != "/bad":
        conn.answer(stream_id)
    elif SCENARIO.startswith("goaway"):
        if first:
            gather(conn, stream_id)
        else:
            conn.answer(stream_id)
    elif SCENARIO in PER_REQUEST:
        PER_REQUEST[SCENARIO](conn, stream_id)
    else:
        conn.answer(stream_id)


def main():
    args = sys.argv[3:]
    context = None
    if "--tls" in args:
        at = args.index("--tls")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args[at + 1], args[at + 2])
        alpn = args[args.index("--alpn") + 1].split(",") if "--alpn" in args else ["h2"]
        context.set_alpn_protocols(alpn)
    if SCENARIO not in PER_REQUEST and SCENARIO not in FIRST_SETTINGS and SCENARIO != "silent":
        sys.exit("unknown scenario " + SCENARIO)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print("PORT %d" % listener.getsockname()[1], flush=True)
    number = 0
    while True:
        sock, _ = listener.accept()
        number += 1
        if context is not None:
            try:
                sock = context.wrap_socket(sock, server_side=True)
            except (OSError, ssl.SSLError) as exc:
                record(number, "TLS_FAILED %r" % exc)
                sock.close()
                continue
            record(number, "ALPN %s" % sock.selected_alpn_protocol())
        threading.Thread(target=serve, args=(sock, number), daemon=True).start()


main()
