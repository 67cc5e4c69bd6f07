#!/usr/bin/python3
"""Frame-level checks of an HTTP/2 server serving the e2e TestHandlerFactory.

Usage: h2frames.py CASE PORT [--tls]

Exits 0 when the case passes; otherwise prints what was expected and what
came, and exits 1. Speaks raw frames (hyperframe + hpack) rather than through
h2's state machine, because most cases send what a correct client never would.
"""

import socket
import ssl
import struct
import sys
import time

from hpack import Decoder, Encoder
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame, PingFrame,
                              RstStreamFrame, SettingsFrame, WindowUpdateFrame)

PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
HELLO = b'Hello, world\n'
HEAD_BODY = b'head body\n'

ERRORS = {0x0: 'NO_ERROR', 0x1: 'PROTOCOL_ERROR', 0x2: 'INTERNAL_ERROR', 0x3: 'FLOW_CONTROL_ERROR',
          0x4: 'SETTINGS_TIMEOUT', 0x5: 'STREAM_CLOSED', 0x6: 'FRAME_SIZE_ERROR', 0x7: 'REFUSED_STREAM',
          0x8: 'CANCEL', 0x9: 'COMPRESSION_ERROR', 0xa: 'CONNECT_ERROR', 0xb: 'ENHANCE_YOUR_CALM',
          0xc: 'INADEQUATE_SECURITY', 0xd: 'HTTP_1_1_REQUIRED'}
PROTOCOL_ERROR = 0x1
STREAM_CLOSED = 0x5
CANCEL = 0x8

SETTINGS_MAX_CONCURRENT_STREAMS = 0x3
SETTINGS_INITIAL_WINDOW_SIZE = 0x4
SETTINGS_MAX_HEADER_LIST_SIZE = 0x6
SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8


class Fail(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Fail(message)


def error_name(code):
    if code is None:
        return 'none'
    return ERRORS.get(code, hex(code))


def raw_frame(frame_type, flags, stream_id, payload):
    """A frame header and payload, for frames hyperframe cannot or will not build."""
    return struct.pack('>I', len(payload))[1:] + struct.pack('>BBI', frame_type, flags, stream_id) + payload


class Stream:
    def __init__(self):
        self.header_blocks = []  # decoded header lists, in order (1xx, final, trailers)
        self.data = b''
        self.data_frames = 0
        self.ended = False
        self.ended_at = None
        self.reset = None  # RST_STREAM error code received
        self.window_increment = 0  # sum of the server's WINDOW_UPDATEs for the stream
        self.frames = []  # type names of every frame received on the stream

    def status(self):
        for block in self.header_blocks:
            for name, value in block:
                if name == ':status' and not value.startswith('1'):
                    return int(value)
        return None

    def header(self, wanted):
        for block in self.header_blocks:
            status = dict(block).get(':status', '')
            if status.startswith('1'):
                continue
            for name, value in block:
                if name == wanted:
                    return value
        return None


class Client:
    """A minimal HTTP/2 client over a socket: sends what it is told, records what arrives."""

    def __init__(self, port, tls):
        self.port = port
        self.tls = tls
        sock = socket.create_connection(('127.0.0.1', port), timeout=10)
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.set_alpn_protocols(['h2'])
            sock = context.wrap_socket(sock, server_hostname='localhost')
            expect(sock.selected_alpn_protocol() == 'h2',
                   'ALPN selected %r, not h2' % sock.selected_alpn_protocol())
        self.sock = sock
        self.buffer = b''
        self.encoder = Encoder()
        self.decoder = Decoder()
        self.decoder.max_header_list_size = 1 << 24
        self.streams = {}
        self.server_settings = None
        self.settings_acked = False
        self.goaway = None
        self.eof = False
        self.pings_acked = 0
        self.connection_window_increment = 0
        self.log = []
        self._block = None  # (stream_id, bytes, end_stream) while CONTINUATION frames are due
        self.started = time.monotonic()

    # -- sending

    def send(self, data):
        self.sock.settimeout(10)
        self.sock.sendall(data)

    def send_frame(self, frame):
        self.send(frame.serialize())

    def preface(self, settings=None):
        self.send(PREFACE + SettingsFrame(0, settings=settings or {}).serialize())

    def handshake(self):
        """Sends the preface and waits for the server's SETTINGS."""
        self.preface()
        expect(self.wait_for(lambda: self.server_settings is not None, 5),
               'no SETTINGS from the server after the preface; got %s' % self.describe())

    def request_headers(self, path, method='GET', extra=()):
        return [(':method', method), (':scheme', 'https' if self.tls else 'http'),
                (':authority', '127.0.0.1:%d' % self.port), (':path', path)] + list(extra)

    def send_headers(self, stream_id, headers, end_stream=True):
        block = self.encoder.encode(headers)
        chunks = [block[i:i + 16384] for i in range(0, len(block), 16384)] or [b'']
        first = HeadersFrame(stream_id, data=chunks[0])
        if end_stream:
            first.flags.add('END_STREAM')
        if len(chunks) == 1:
            first.flags.add('END_HEADERS')
        self.send_frame(first)
        for index, chunk in enumerate(chunks[1:], start=1):
            frame = ContinuationFrame(stream_id, data=chunk)
            if index == len(chunks) - 1:
                frame.flags.add('END_HEADERS')
            self.send_frame(frame)
        self.stream(stream_id)

    def get(self, stream_id, path, method='GET', extra=()):
        self.send_headers(stream_id, self.request_headers(path, method, extra))

    def ping(self):
        self.send_frame(PingFrame(0, opaque_data=b'e2e-ping'))

    # -- receiving

    def stream(self, stream_id):
        return self.streams.setdefault(stream_id, Stream())

    def _read_exactly(self, n, deadline):
        while len(self.buffer) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            except (ConnectionResetError, ssl.SSLError, OSError):
                chunk = b''
            if not chunk:
                self.eof = True
                return None
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_raw_until_eof(self, timeout):
        """Appends whatever arrives to the buffer until EOF or timeout."""
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return
            except (ConnectionResetError, ssl.SSLError, OSError):
                chunk = b''
            if not chunk:
                self.eof = True
            self.buffer += chunk

    def read_frame(self, deadline):
        """Reads and handles one frame; returns it, or None on timeout or EOF."""
        header = self._read_exactly(9, deadline)
        if header is None:
            return None
        frame, length = Frame.parse_frame_header(memoryview(header))
        payload = self._read_exactly(length, deadline + 5)
        if payload is None:
            raise Fail('truncated %s frame (%d bytes announced)' % (type(frame).__name__, length))
        frame.parse_body(memoryview(payload))
        self._handle(frame)
        return frame

    def _handle(self, frame):
        name = type(frame).__name__
        self.log.append('%s(stream=%d flags=%s)' % (name, frame.stream_id, ','.join(sorted(frame.flags))))
        if frame.stream_id:
            self.stream(frame.stream_id).frames.append(name)
        if isinstance(frame, SettingsFrame):
            if 'ACK' in frame.flags:
                self.settings_acked = True
            else:
                self.server_settings = dict(frame.settings)
                self.send_frame(SettingsFrame(0, flags=['ACK']))
        elif isinstance(frame, PingFrame):
            if 'ACK' in frame.flags:
                self.pings_acked += 1
            else:
                self.send_frame(PingFrame(0, opaque_data=frame.opaque_data, flags=['ACK']))
        elif isinstance(frame, WindowUpdateFrame):
            if frame.stream_id == 0:
                self.connection_window_increment += frame.window_increment
            else:
                self.stream(frame.stream_id).window_increment += frame.window_increment
        elif isinstance(frame, GoAwayFrame):
            self.goaway = frame
            self.log[-1] += ' %s last=%d %r' % (error_name(frame.error_code), frame.last_stream_id,
                                                 bytes(frame.additional_data))
        elif isinstance(frame, RstStreamFrame):
            self.stream(frame.stream_id).reset = frame.error_code
            self.log[-1] += ' ' + error_name(frame.error_code)
        elif isinstance(frame, HeadersFrame):
            self._block = (frame.stream_id, bytes(frame.data), 'END_STREAM' in frame.flags)
            if 'END_HEADERS' in frame.flags:
                self._end_block()
        elif isinstance(frame, ContinuationFrame):
            expect(self._block is not None and self._block[0] == frame.stream_id, 'unexpected CONTINUATION')
            self._block = (self._block[0], self._block[1] + bytes(frame.data), self._block[2])
            if 'END_HEADERS' in frame.flags:
                self._end_block()
        elif isinstance(frame, DataFrame):
            stream = self.stream(frame.stream_id)
            stream.data += bytes(frame.data)
            stream.data_frames += 1
            if frame.flow_controlled_length:
                increment = frame.flow_controlled_length
                self.send(WindowUpdateFrame(0, window_increment=increment).serialize() +
                          WindowUpdateFrame(frame.stream_id, window_increment=increment).serialize())
            if 'END_STREAM' in frame.flags:
                self._end_stream(stream)

    def _end_block(self):
        stream_id, block, end_stream = self._block
        self._block = None
        headers = [(n.decode() if isinstance(n, bytes) else n, v.decode() if isinstance(v, bytes) else v)
                   for n, v in self.decoder.decode(block)]
        stream = self.stream(stream_id)
        stream.header_blocks.append(headers)
        self.log[-1] += ' ' + repr(headers)
        if end_stream:
            self._end_stream(stream)

    def _end_stream(self, stream):
        stream.ended = True
        stream.ended_at = time.monotonic()

    def wait_for(self, predicate, timeout):
        """Handles frames until predicate() holds (True), or timeout or EOF (False)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.eof or self.read_frame(deadline) is None:
                return predicate()
        return True

    def drain(self, seconds):
        """Handles whatever arrives during the next seconds."""
        self.wait_for(lambda: False, seconds)

    def wait_for_response(self, stream_id, timeout=10):
        stream = self.stream(stream_id)
        expect(self.wait_for(lambda: stream.ended or stream.reset is not None or self.goaway is not None, timeout),
               'no complete response on stream %d within %ss; got %s' % (stream_id, timeout, self.describe()))
        return stream

    def expect_hello(self, stream_id):
        """Sends GET / on stream_id and checks the full 200 "Hello, world" response."""
        self.get(stream_id, '/')
        stream = self.wait_for_response(stream_id)
        expect(self.goaway is None, 'GOAWAY instead of a response: %s' % self.describe())
        expect(stream.reset is None, 'stream %d reset (%s)' % (stream_id, error_name(stream.reset)))
        expect(stream.status() == 200, 'stream %d: status %r, not 200' % (stream_id, stream.status()))
        expect(stream.data == HELLO, 'stream %d: body %r' % (stream_id, stream.data))

    def expect_alive(self):
        """Checks the connection still answers a PING and has sent no GOAWAY."""
        acked = self.pings_acked
        self.ping()
        expect(self.wait_for(lambda: self.pings_acked > acked, 5),
               'no PING ACK: connection not usable; got %s' % self.describe())
        expect(self.goaway is None, 'unexpected GOAWAY: %s' % self.describe())

    def expect_connection_error(self, code, timeout=5):
        """Checks for GOAWAY(code) followed by the server closing the connection."""
        expect(self.wait_for(lambda: self.goaway is not None, timeout),
               'expected GOAWAY(%s); got %s' % (error_name(code), self.describe()))
        expect(self.goaway.error_code == code, 'GOAWAY(%s), expected GOAWAY(%s): %s'
               % (error_name(self.goaway.error_code), error_name(code), self.describe()))
        self.wait_for(lambda: False, timeout)
        expect(self.eof, 'connection still open %ss after GOAWAY(%s)' % (timeout, error_name(code)))

    def describe(self):
        state = 'EOF' if self.eof else 'open'
        return '[%s] frames: %s' % (state, '; '.join(self.log) or 'none')


# -- cases

def check_preface_rejected(client, allow_http1_error):
    """After an invalid preface (RFC 9113 §3.4: connection error PROTOCOL_ERROR)
    the server may send its own preface, then GOAWAY(PROTOCOL_ERROR), and must
    close. A bare close is accepted too (nghttp2 has no GOAWAY to send while it
    still expects the client magic)."""
    if allow_http1_error:
        first = client._read_exactly(5, time.monotonic() + 5)
        if first is not None:
            client.buffer = first + client.buffer
        if first == b'HTTP/':
            client.read_raw_until_eof(5)
            text = client.buffer.decode('latin-1')
            status_line = text.split('\r\n', 1)[0]
            status = status_line.split(' ')[1] if ' ' in status_line else ''
            expect(status in ('400', '505'),
                   'invalid preface answered as HTTP/1 request: %r (a handler ran?)' % status_line)
            expect(client.eof, 'connection open after HTTP/1 error %r' % status_line)
            return
    deadline = time.monotonic() + 5
    while not client.eof:
        frame = client.read_frame(deadline)
        if frame is None:
            break
        # The server's own preface (SETTINGS, and WINDOW_UPDATE opening its
        # connection window) may already be on its way: anything else may not.
        expect(isinstance(frame, (SettingsFrame, GoAwayFrame)) or
               (isinstance(frame, WindowUpdateFrame) and frame.stream_id == 0),
               'unexpected frame after invalid preface: %s' % client.describe())
    expect(client.eof, 'connection still open 5 s after an invalid preface: %s' % client.describe())
    if client.goaway is not None:
        expect(client.goaway.error_code == PROTOCOL_ERROR,
               'GOAWAY(%s), expected PROTOCOL_ERROR: %s' % (error_name(client.goaway.error_code), client.describe()))


def case_bad_preface(client):
    """A corrupted client magic that starts like the real one."""
    client.send(b'PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n' + SettingsFrame(0).serialize())
    check_preface_rejected(client, allow_http1_error=not client.tls)


def case_http1_after_alpn_h2(client):
    """ALPN chose h2, then the client speaks HTTP/1.1: an invalid preface, never an HTTP/1 request."""
    expect(client.tls, 'this case needs --tls')
    client.send(b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    check_preface_rejected(client, allow_http1_error=False)


def case_preface_without_settings(client):
    """The magic followed by a PING instead of SETTINGS (RFC 9113 §3.4)."""
    client.send(PREFACE + PingFrame(0, opaque_data=b'12345678').serialize())
    client.expect_connection_error(PROTOCOL_ERROR)


def case_server_settings(client):
    """The server's SETTINGS carry the documented HTTP2ServerParams defaults,
    except the max header list size the fixture sets to 16384, and it opens
    the connection window to 16 MiB."""
    client.handshake()
    settings = client.server_settings
    expect(settings.get(SETTINGS_MAX_CONCURRENT_STREAMS) == 1024, 'MAX_CONCURRENT_STREAMS: %r' % settings)
    expect(settings.get(SETTINGS_INITIAL_WINDOW_SIZE) == 1024 * 1024, 'INITIAL_WINDOW_SIZE: %r' % settings)
    expect(settings.get(SETTINGS_MAX_HEADER_LIST_SIZE) == 16384, 'MAX_HEADER_LIST_SIZE: %r' % settings)
    client.expect_alive()
    expect(client.settings_acked, 'our SETTINGS were not acknowledged: %s' % client.describe())
    expect(65535 + client.connection_window_increment == 16 * 1024 * 1024,
           'connection window %d, expected 16 MiB' % (65535 + client.connection_window_increment))


def case_unknown_frame(client):
    """Frames of unknown type are ignored (RFC 9113 §4.1, §5.5), on stream 0 and on an idle stream."""
    client.handshake()
    client.send(raw_frame(0x77, 0x00, 0, b'ignore me'))
    client.send(raw_frame(0x77, 0xff, 1, b'ignore me too'))
    client.expect_hello(1)
    client.expect_alive()


def case_header_list_too_large(client):
    """A 64 KiB header value over the advertised 16 KiB limit: 431 on that stream, connection usable."""
    client.handshake()
    limit = client.server_settings.get(SETTINGS_MAX_HEADER_LIST_SIZE)
    expect(limit == 16384, 'server advertises MAX_HEADER_LIST_SIZE %r, fixture sets 16384' % limit)
    client.get(1, '/', extra=[('x-big', 'a' * 65536)])
    stream = client.wait_for_response(1)
    expect(client.goaway is None, 'GOAWAY for an oversize header list: %s' % client.describe())
    expect(stream.status() == 431, 'status %r, expected 431: %s' % (stream.status(), client.describe()))
    client.expect_hello(3)
    client.expect_alive()


def case_data_on_half_closed_stream(client):
    """DATA after the request's END_STREAM while the handler still runs (half-closed
    (remote)): RFC 9113 §5.1 says stream error STREAM_CLOSED; nghttp2 makes it a
    connection error, GOAWAY(STREAM_CLOSED). Either is accepted, with that code."""
    client.handshake()
    client.get(1, '/slow?ms=1000')
    client.send_frame(DataFrame(1, data=b'late', flags=['END_STREAM']))
    stream = client.stream(1)
    expect(client.wait_for(lambda: client.goaway is not None or stream.reset is not None, 5),
           'no STREAM_CLOSED error for DATA on a half-closed stream: %s' % client.describe())
    if client.goaway is not None:
        expect(client.goaway.error_code == STREAM_CLOSED,
               'GOAWAY(%s), expected STREAM_CLOSED: %s' % (error_name(client.goaway.error_code), client.describe()))
    else:
        expect(stream.reset == STREAM_CLOSED,
               'RST_STREAM(%s), expected STREAM_CLOSED: %s' % (error_name(stream.reset), client.describe()))
        client.expect_hello(3)


def case_data_on_closed_stream(client):
    """DATA on stream 1 after its request and response both ended (closed state):
    STREAM_CLOSED, as RST_STREAM or GOAWAY (RFC 9113 §5.1; h2spec 5.1/11)."""
    client.handshake()
    client.expect_hello(1)
    client.send_frame(DataFrame(1, data=b'late', flags=['END_STREAM']))
    client.ping()
    stream = client.stream(1)
    expect(client.wait_for(lambda: client.goaway is not None or stream.reset is not None, 3),
           'DATA on a closed stream was ignored (no STREAM_CLOSED error): %s' % client.describe())
    if client.goaway is not None:
        expect(client.goaway.error_code == STREAM_CLOSED,
               'GOAWAY(%s), expected STREAM_CLOSED: %s' % (error_name(client.goaway.error_code), client.describe()))
    else:
        expect(stream.reset == STREAM_CLOSED,
               'RST_STREAM(%s), expected STREAM_CLOSED: %s' % (error_name(stream.reset), client.describe()))


def case_rst_after_headers(client):
    """The client cancels a request whose handler is running: nothing more on that
    stream, and the connection goes on."""
    client.handshake()
    client.get(1, '/slow?ms=500')
    client.send_frame(RstStreamFrame(1, error_code=CANCEL))
    client.expect_hello(3)
    # Past the end of the slow handler: its response must have been dropped.
    client.drain(max(0.0, 1.5 - (time.monotonic() - client.started)))
    client.expect_alive()
    expect(not client.stream(1).frames, 'frames on the cancelled stream: %s' % client.describe())


def case_websocket_upgrade(client):
    """An HTTP/1.1-style WebSocket upgrade over h2: connection-specific fields make
    the request malformed (RFC 9113 §8.2.2): RST_STREAM(PROTOCOL_ERROR)."""
    client.handshake()
    client.send_headers(1, client.request_headers('/', extra=[
        ('connection', 'upgrade'), ('upgrade', 'websocket'), ('sec-websocket-version', '13'),
        ('sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ==')]))
    stream = client.stream(1)
    expect(client.wait_for(lambda: stream.reset is not None or stream.ended or client.goaway is not None, 5),
           'no answer to a WebSocket upgrade: %s' % client.describe())
    expect(stream.reset == PROTOCOL_ERROR and stream.status() is None,
           'expected RST_STREAM(PROTOCOL_ERROR) and no response: %s' % client.describe())
    client.expect_hello(3)


def case_websocket_connect(client):
    """RFC 8441 extended CONNECT. Unless the server advertised
    SETTINGS_ENABLE_CONNECT_PROTOCOL, :protocol is malformed: RST_STREAM(PROTOCOL_ERROR).
    If it advertised it, a response must come and the connection must stay up."""
    client.handshake()
    advertised = client.server_settings.get(SETTINGS_ENABLE_CONNECT_PROTOCOL) == 1
    client.send_headers(1, [(':method', 'CONNECT'), (':protocol', 'websocket'), (':scheme', 'http'),
                            (':path', '/'), (':authority', '127.0.0.1:%d' % client.port),
                            ('sec-websocket-version', '13')], end_stream=False)
    stream = client.stream(1)
    expect(client.wait_for(lambda: stream.reset is not None or stream.header_blocks or client.goaway is not None, 5),
           'no answer to an extended CONNECT: %s' % client.describe())
    if advertised:
        expect(stream.status() is not None, 'no response to extended CONNECT: %s' % client.describe())
    else:
        expect(stream.reset == PROTOCOL_ERROR and stream.status() is None,
               'expected RST_STREAM(PROTOCOL_ERROR) and no response: %s' % client.describe())
    client.expect_hello(3)


def case_cookie_crumbs(client):
    """Two cookie fields reach the handler as cookies (RFC 9113 §8.2.3)."""
    client.handshake()
    client.get(1, '/headers', extra=[('cookie', 'c1=v1'), ('cookie', 'c2=v2')])
    stream = client.wait_for_response(1)
    expect(stream.status() == 200, 'status %r: %s' % (stream.status(), client.describe()))
    body = stream.data.decode('latin-1')
    for line in ('cookie:c1=v1\n', 'cookie:c2=v2\n', 'host=127.0.0.1:%d\n' % client.port, 'method=GET\n'):
        expect(line in body, 'missing %r in body:\n%s' % (line, body))


def case_head_no_body(client):
    """HEAD: HEADERS with content-length, then no DATA payload (RFC 9110 §9.3.2)."""
    client.handshake()
    client.get(1, '/head', method='HEAD')
    stream = client.wait_for_response(1)
    expect(stream.status() == 200, 'status %r: %s' % (stream.status(), client.describe()))
    expect(stream.header('content-length') == str(len(HEAD_BODY)),
           'content-length %r: %s' % (stream.header('content-length'), client.describe()))
    expect(stream.data == b'', 'HEAD response carries %d body bytes: %s' % (len(stream.data), client.describe()))
    expect(stream.ended and stream.reset is None, 'HEAD response did not end cleanly: %s' % client.describe())


def case_throw_then_hello(client):
    """A handler that throws before sending gets 500; the connection goes on."""
    client.handshake()
    client.get(1, '/throw')
    stream = client.wait_for_response(1)
    expect(stream.status() == 500 and stream.ended and stream.reset is None,
           'expected a complete 500 response: %s' % client.describe())
    client.expect_hello(3)
    client.expect_alive()


def case_unread_upload(client):
    """POST / with a 4 MiB body that the handler never reads. The complete
    response may come before the upload ends (RFC 9113 §8.1); the server must
    then either keep taking the body (WINDOW_UPDATE) or stop the upload with
    RST_STREAM(NO_ERROR) after its END_STREAM. It must not leave the client
    with an open stream and a closed window: the upload would hang forever."""
    client.handshake()
    total = 4 * 1024 * 1024
    client.send_headers(1, client.request_headers('/', method='POST', extra=[('content-length', str(total))]),
                        end_stream=False)
    stream = client.stream(1)
    initial_window = client.server_settings.get(SETTINGS_INITIAL_WINDOW_SIZE, 65535)
    chunk = b'u' * 16384
    sent = 0
    while sent < total and stream.reset is None and client.goaway is None:
        window = min(initial_window + stream.window_increment, 65535 + client.connection_window_increment) - sent
        if window > 0:
            n = min(len(chunk), window, total - sent)
            client.send_frame(DataFrame(1, data=chunk[:n], flags=['END_STREAM'] if sent + n == total else []))
            sent += n
            client.wait_for(lambda: False, 0.001)
            continue
        before = (stream.window_increment, client.connection_window_increment)
        progressed = client.wait_for(lambda: (stream.window_increment, client.connection_window_increment) != before
                                     or stream.reset is not None or client.goaway is not None, 3)
        expect(progressed, 'upload stalled: %d of %d bytes sent, window closed, no WINDOW_UPDATE or RST_STREAM '
               'for 3 s; response %s; %s' % (sent, total, 'complete' if stream.ended else 'not complete',
                                             client.describe()))
    client.wait_for_response(1)
    expect(client.goaway is None, 'GOAWAY: %s' % client.describe())
    expect(stream.status() == 200 and stream.data == HELLO and stream.ended,
           'expected the complete 200 response: %s' % client.describe())
    if stream.reset is not None:
        expect(stream.reset == 0, 'RST_STREAM(%s), expected NO_ERROR after the complete response: %s'
               % (error_name(stream.reset), client.describe()))
    client.expect_hello(3)


def case_graceful_stop(client):
    """Run by ShutdownTest, which calls HTTP2Server::stop() while /slow?ms=1500
    runs: GOAWAY(NO_ERROR) that keeps stream 1, the complete response, then
    the server closes the connection."""
    client.handshake()
    client.get(1, '/slow?ms=1500')
    stream = client.stream(1)
    expect(client.wait_for(lambda: client.goaway is not None, 10), 'no GOAWAY: %s' % client.describe())
    expect(client.goaway.error_code == 0 and client.goaway.last_stream_id >= 1,
           'expected GOAWAY(NO_ERROR, last_stream_id >= 1): %s' % client.describe())
    client.wait_for(lambda: stream.ended or stream.reset is not None, 10)
    expect(stream.status() == 200 and stream.data == b'slow' and stream.ended and stream.reset is None,
           'the stream in flight did not finish: %s' % client.describe())
    client.wait_for(lambda: False, 5)
    expect(client.eof, 'connection still open 5 s after the last stream ended: %s' % client.describe())


def case_abort_stop(client):
    """Run by ShutdownTest, which calls HTTP2Server::stopAll(true) while
    /slow?ms=3000 runs: GOAWAY and close at once, without that response."""
    client.handshake()
    start = time.monotonic()
    client.get(1, '/slow?ms=3000')
    client.wait_for(lambda: False, 6)
    elapsed = time.monotonic() - start
    print('connection closed %.3f s after the request: %s' % (elapsed, client.describe()))
    expect(client.eof, 'connection still open 6 s after stopAll(true): %s' % client.describe())
    expect(elapsed < 2.5, 'connection closed after %.2f s, not at once: %s' % (elapsed, client.describe()))
    expect(client.goaway is not None, 'closed without GOAWAY: %s' % client.describe())
    expect(not client.stream(1).data, 'the aborted stream got its response: %s' % client.describe())


def case_slow_multiplex(client):
    """A slow handler does not hold up another stream on the same connection."""
    client.handshake()
    start = time.monotonic()
    client.get(1, '/slow?ms=2000')
    client.get(3, '/')
    fast = client.wait_for_response(3, timeout=10)
    fast_seconds = fast.ended_at - start if fast.ended_at else None
    slow = client.wait_for_response(1, timeout=15)
    slow_seconds = slow.ended_at - start if slow.ended_at else None
    print('fast stream %s s, slow stream %s s' % (fast_seconds, slow_seconds))
    expect(fast.status() == 200 and fast.data == HELLO and fast.ended, 'fast stream: %s' % client.describe())
    expect(slow.status() == 200 and slow.data == b'slow' and slow.ended, 'slow stream: %s' % client.describe())
    expect(fast_seconds < 1.0, 'GET / took %.3f s behind a 2 s handler on the same connection' % fast_seconds)
    expect(slow_seconds >= 2.0, 'slow stream ended after %.3f s, before its 2 s sleep' % slow_seconds)


CASES = {
    'bad_preface': case_bad_preface,
    'http1_after_alpn_h2': case_http1_after_alpn_h2,
    'preface_without_settings': case_preface_without_settings,
    'server_settings': case_server_settings,
    'unknown_frame': case_unknown_frame,
    'header_list_too_large': case_header_list_too_large,
    'data_on_half_closed_stream': case_data_on_half_closed_stream,
    'data_on_closed_stream': case_data_on_closed_stream,
    'rst_after_headers': case_rst_after_headers,
    'websocket_upgrade': case_websocket_upgrade,
    'websocket_connect': case_websocket_connect,
    'cookie_crumbs': case_cookie_crumbs,
    'head_no_body': case_head_no_body,
    'slow_multiplex': case_slow_multiplex,
    'throw_then_hello': case_throw_then_hello,
    'unread_upload': case_unread_upload,
    'graceful_stop': case_graceful_stop,
    'abort_stop': case_abort_stop,
}


def main(argv):
    if len(argv) < 3 or argv[1] not in CASES:
        print('usage: h2frames.py CASE PORT [--tls]; cases: %s' % ', '.join(sorted(CASES)))
        return 2
    client = None
    try:
        client = Client(int(argv[2]), '--tls' in argv[3:])
        CASES[argv[1]](client)
    except Fail as failure:
        print('FAIL %s: %s' % (argv[1], failure))
        return 1
    except Exception as error:  # a crash of the script is a failure too, with its reason
        import traceback
        traceback.print_exc()
        print('FAIL %s: %s: %s; %s' % (argv[1], type(error).__name__, error, client.describe() if client else ''))
        return 1
    print('PASS %s' % argv[1])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
