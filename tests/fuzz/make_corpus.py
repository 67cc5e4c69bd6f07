#!/usr/bin/python3
"""Writes the seed corpora of the libFuzzer targets to tests/fuzz/corpus/<target>/.

Each seed is a small valid or invalid input in the target's format (see the
comment at the top of each *Fuzzer.cpp): a mode byte, then the bytes. Run
with Debian's python3 (it needs python3-hpack, installed with python3-h2):
    /usr/bin/python3 tests/fuzz/make_corpus.py
Seeds are rewritten, never appended to, so the files are reproducible;
reproducers of fixed bugs live next to them as crash-*/repro-* and are kept.
"""

import os
import struct

import hpack

HERE = os.path.dirname(os.path.abspath(__file__))

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS, PADDED, PRIORITY_FLAG = 0x1, 0x1, 0x4, 0x8, 0x20


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def block(fields):
    return hpack.Encoder().encode(fields)


def headers(stream, fields, end_stream=False, flags=END_HEADERS):
    return frame(HEADERS, flags | (END_STREAM if end_stream else 0), stream, block(fields))


def request(method, path, extra=()):
    return [(":method", method), (":scheme", "http"), (":authority", "localhost"), (":path", path)] + list(extra)


def settings(*pairs):
    return frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", k, v) for k, v in pairs))


SERVER = {
    # mode 1: preface + SETTINGS first, PING after; mode 0: raw bytes
    "get_hello": b"\x01" + headers(1, request("GET", "/"), end_stream=True),
    "post_echo": b"\x01" + headers(1, request("POST", "/echo", [("content-type", "text/plain")]))
    + frame(DATA, 0, 1, b"hello ") + frame(DATA, END_STREAM, 1, b"world"),
    "post_form": b"\x01"
    + headers(1, request("POST", "/form", [("content-type", "application/x-www-form-urlencoded")]))
    + frame(DATA, END_STREAM, 1, b"a=1&b=two"),
    "headers_cookies": b"\x01"
    + headers(1, request("GET", "/headers?x=1", [("cookie", "a=1"), ("cookie", "b=2"), ("te", "trailers")]), True),
    "three_streams": b"\x01" + headers(1, request("GET", "/"), True) + headers(3, request("GET", "/missing"), True)
    + headers(5, request("GET", "/throw"), True),
    "reset_mid_upload": b"\x01" + headers(1, request("POST", "/echo")) + frame(DATA, 0, 1, b"x" * 100)
    + frame(RST_STREAM, 0, 1, struct.pack(">I", 8)),
    "trailers": b"\x01" + headers(1, request("POST", "/echo")) + frame(DATA, 0, 1, b"body")
    + headers(1, [("x-checksum", "abc")], end_stream=True),
    "continuation": b"\x01" + frame(HEADERS, END_STREAM, 1, block(request("GET", "/"))[:5])
    + frame(CONTINUATION, END_HEADERS, 1, block(request("GET", "/"))[5:]),
    "control_frames": b"\x01" + settings((1, 4096), (3, 10), (4, 65535), (5, 16384))
    + frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 1000)) + frame(PRIORITY, 0, 1, struct.pack(">IB", 0, 15))
    + frame(PING, 0, 0, b"12345678") + frame(GOAWAY, 0, 0, struct.pack(">II", 0, 0)),
    "bad_frame_size": b"\x01" + frame(PING, 0, 0, b"123"),
    "even_stream": b"\x01" + headers(2, request("GET", "/"), True),
    "connect": b"\x01" + headers(1, [(":method", "CONNECT"), (":authority", "example.com:443")], True),
    "http1_get": b"\x00GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "h2c_upgrade": b"\x00GET /headers HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n"
    b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n"
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + settings(),
    "bad_preface": b"\x00PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n",
    "http1_partial": b"\x00GET / HTTP/1.1\r\nHost: lo",
}

# server_codec: bit 0 clear puts the preface first; bits 1-6 the chunk size - 1.
SERVER_CODEC = {}
for _name, _data in SERVER.items():
    if _data[:1] == b"\x01":
        SERVER_CODEC[_name] = b"\x7e" + _data[1:]  # 64-byte chunks
        SERVER_CODEC[_name + "_bytewise"] = b"\x00" + _data[1:]
SERVER_CODEC["expect_continue"] = b"\x10" + headers(1, request("POST", "/", [("expect", "100-continue")])) \
    + frame(DATA, END_STREAM, 1, b"abc")
SERVER_CODEC["no_preface"] = b"\x01" + frame(SETTINGS, 0, 0)

CLIENT = {
    # bits 0-1: GET, HEAD, POST, PUT 100 KiB; bit 2: empty SETTINGS first
    "ok_with_body": b"\x04" + frame(SETTINGS, ACK, 0)
    + headers(1, [(":status", "200"), ("content-length", "5"), ("content-type", "text/plain")])
    + frame(DATA, END_STREAM, 1, b"hello"),
    "no_body": b"\x04" + headers(1, [(":status", "204")], end_stream=True),
    "head": b"\x05" + headers(1, [(":status", "200"), ("content-length", "100")], end_stream=True),
    "continue_then_ok": b"\x06" + headers(1, [(":status", "100")])
    + headers(1, [(":status", "200"), ("set-cookie", "a=1"), ("set-cookie", "b=2")])
    + frame(DATA, END_STREAM, 1, b"ok"),
    "trailers": b"\x04" + headers(1, [(":status", "200")]) + frame(DATA, 0, 1, b"data")
    + headers(1, [("grpc-status", "0")], end_stream=True),
    "refused": b"\x04" + frame(RST_STREAM, 0, 1, struct.pack(">I", 7)),
    "goaway": b"\x04" + frame(GOAWAY, 0, 0, struct.pack(">II", 0, 2)),
    "upload_window": b"\x07" + settings((4, 1 << 20)) + frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 1 << 20))
    + headers(1, [(":status", "201")], end_stream=True),
    "http1_answer": b"\x00HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "bad_status": b"\x04" + headers(1, [(":status", "abc")], end_stream=True),
    "push_promise": b"\x04" + frame(PUSH_PROMISE, END_HEADERS, 1, struct.pack(">I", 2) + block(request("GET", "/p"))),
    "content_length_mismatch": b"\x04" + headers(1, [(":status", "200"), ("content-length", "10")])
    + frame(DATA, END_STREAM, 1, b"short"),
    "small_frames": b"\x04" + settings((5, 16384), (3, 1)) + headers(1, [(":status", "200")])
    + b"".join(frame(DATA, 0, 1, bytes([i])) for i in range(20)) + frame(DATA, END_STREAM, 1),
}


def fields(pairs):
    out = b""
    for name, value in pairs:
        out += bytes([len(name)]) + name + bytes([len(value)]) + value
    return out


ADAPTERS = {
    # even: connection start for H2cUpgradeRequest; odd: length-prefixed fields
    "upgrade_curl": b"\x00GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl\r\nAccept: */*\r\n"
    b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n",
    "upgrade_with_body": b"\x00POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
    b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: \r\n\r\nabc",
    "upgrade_bad_settings": b"\x00GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\n"
    b"Upgrade: h2c\r\nHTTP2-Settings: !!!\r\n\r\n",
    "incomplete": b"\x00GET / HTTP/1.1\r\nHo",
    "request_fields": b"\x01" + fields([(b":method", b"GET"), (b":scheme", b"https"), (b":authority", b"example.com"),
                                       (b":path", b"/a?b=c"), (b"cookie", b"a=1"), (b"cookie", b"b=2"),
                                       (b"content-length", b"12"), (b"te", b"trailers")]),
    "response_fields": b"\x01" + fields([(b":status", b"200"), (b"content-length", b"5"), (b"set-cookie", b"x=1"),
                                        (b"connection", b"close"), (b"transfer-encoding", b"chunked")]),
    "bad_status": b"\x01" + fields([(b":status", b"2x0")]),
    "absolute_path": b"\x01" + fields([(b":method", b"OPTIONS"), (b":path", b"*"), (b":authority", b"")]),
    "control_chars": b"\x01" + fields([(b":method", b"GET"), (b":path", b"/\r\nX: y"), (b"na me", b"v\x00al")]),
}


def write(target, seeds):
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(directory, name), "wb") as out:
            out.write(data)


if __name__ == "__main__":
    write("server_connection", SERVER)
    write("server_codec", SERVER_CODEC)
    write("client_response", CLIENT)
    write("adapters", ADAPTERS)
