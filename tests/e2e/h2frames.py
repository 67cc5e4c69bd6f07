#!/usr/bin/python3
"""Frame-level checks of an HTTP/2 server serving the e2e TestHandlerFactory.

Usage: h2frames.py CASE PORT [--tls] [NAME=VALUE...]

NAME=VALUE arguments tell a case what the server was configured with (for
example limit=1048576); each case's docstring names the ones it reads.

Exits 0 when the case passes; otherwise prints what was expected and what
came, and exits 1. Speaks raw frames (hyperframe + hpack) rather than through
h2's state machine, because most cases send what a correct client never would;
the trailers case uses h2's state machine, to have the server's frames checked
as a real client checks them.
"""

import hashlib
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
STREAM_BLOCK = 64 * 1024  # TestHandlerFactory::STREAM_BLOCK
HEAD_BODY = b'head body\n'

ERRORS = {0x0: 'NO_ERROR', 0x1: 'PROTOCOL_ERROR', 0x2: 'INTERNAL_ERROR', 0x3: 'FLOW_CONTROL_ERROR',
          0x4: 'SETTINGS_TIMEOUT', 0x5: 'STREAM_CLOSED', 0x6: 'FRAME_SIZE_ERROR', 0x7: 'REFUSED_STREAM',
          0x8: 'CANCEL', 0x9: 'COMPRESSION_ERROR', 0xa: 'CONNECT_ERROR', 0xb: 'ENHANCE_YOUR_CALM',
          0xc: 'INADEQUATE_SECURITY', 0xd: 'HTTP_1_1_REQUIRED'}
NO_ERROR = 0x0
PROTOCOL_ERROR = 0x1
STREAM_CLOSED = 0x5
REFUSED_STREAM = 0x7
CANCEL = 0x8
MAX_STREAM_ID = 2 ** 31 - 1

SETTINGS_MAX_CONCURRENT_STREAMS = 0x3
SETTINGS_INITIAL_WINDOW_SIZE = 0x4
SETTINGS_MAX_HEADER_LIST_SIZE = 0x6
SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8


class Fail(Exception):
    pass


def stream_pattern(length):
    """What /stream?bytes=length sends (TestHandlerFactory::streamPattern)."""
    block = bytes(ord('a') + (j * 7 + j // 26) % 26 for j in range(STREAM_BLOCK))
    return (block * (length // STREAM_BLOCK + 1))[:length]


def expect(condition, message):
    if not condition:
        raise Fail(message)


def check(client, condition, message):
    """Like expect(), but the case goes on: every failed check is reported at its end."""
    if not condition:
        client.failures.append(message)


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
        self.window_log = []  # (arrival time, window_increment after it) per WINDOW_UPDATE
        self.frames = []  # type names of every frame received on the stream
        self.flags = []  # (type name, set of flags) of every frame received on the stream, in order
        self.sent = 0  # DATA payload bytes we sent on the stream
        self.reset_at = None

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
        self.eof_at = None
        self.pings_acked = 0
        self.pings_received = []  # arrival times of the server's PINGs (not ACKs)
        self.goaways = []  # (arrival time, GoAwayFrame) of every GOAWAY, in order
        self.connection_window_increment = 0
        self.connection_sent = 0  # DATA payload bytes we sent on the connection
        # What a well-behaved client does on its own; cases turn them off to
        # play a dead peer (no PING ACK) or a reader that stopped (no WINDOW_UPDATE).
        self.auto_ack_ping = True
        self.auto_window_update = True
        self.options = {}
        self.failures = []  # messages of failed check()s
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

    def send_window_update(self, stream_id, increment):
        self.send_frame(WindowUpdateFrame(stream_id, window_increment=increment))

    def send_window(self, stream_id):
        """What flow control lets us send on stream_id now (RFC 9113 §6.9)."""
        initial = (self.server_settings or {}).get(SETTINGS_INITIAL_WINDOW_SIZE, 65535)
        stream = self.stream(stream_id)
        return min(initial + stream.window_increment - stream.sent,
                   65535 + self.connection_window_increment - self.connection_sent)

    def send_data(self, stream_id, data, end_stream=False):
        self.send_frame(DataFrame(stream_id, data=data, flags=['END_STREAM'] if end_stream else []))
        self.stream(stream_id).sent += len(data)
        self.connection_sent += len(data)

    def send_body(self, stream_id, total, end_stream=True, stall_timeout=5):
        """Sends total bytes of DATA on stream_id as fast as the server's windows
        allow, handling what arrives meanwhile. Stops early if the stream is reset
        or the connection goes away; fails if the windows stay closed for
        stall_timeout seconds. Returns the number of bytes sent."""
        stream = self.stream(stream_id)
        chunk = b'u' * 16384
        while stream.sent < total and stream.reset is None and self.goaway is None and not self.eof:
            window = self.send_window(stream_id)
            if window > 0:
                n = min(len(chunk), window, total - stream.sent)
                self.send_data(stream_id, chunk[:n], end_stream and stream.sent + n == total)
                self.wait_for(lambda: False, 0.001)
                continue
            before = (stream.window_increment, self.connection_window_increment)
            progressed = self.wait_for(lambda: (stream.window_increment, self.connection_window_increment) != before
                                       or stream.reset is not None or self.goaway is not None, stall_timeout)
            expect(progressed, 'upload stalled: %d of %d bytes sent on stream %d, window closed for %ss; %s'
                   % (stream.sent, total, stream_id, stall_timeout, self.describe()))
        return stream.sent

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
                self.eof_at = time.monotonic()
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
                self.eof_at = time.monotonic()
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
            self.stream(frame.stream_id).flags.append((name, set(frame.flags)))
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
                self.pings_received.append(time.monotonic())
                if self.auto_ack_ping:
                    self.send_frame(PingFrame(0, opaque_data=frame.opaque_data, flags=['ACK']))
        elif isinstance(frame, WindowUpdateFrame):
            if frame.stream_id == 0:
                self.connection_window_increment += frame.window_increment
            else:
                stream = self.stream(frame.stream_id)
                stream.window_increment += frame.window_increment
                stream.window_log.append((time.monotonic(), stream.window_increment))
        elif isinstance(frame, GoAwayFrame):
            self.goaway = frame
            self.goaways.append((time.monotonic(), frame))
            self.log[-1] += ' %s last=%d %r' % (error_name(frame.error_code), frame.last_stream_id,
                                                 bytes(frame.additional_data))
        elif isinstance(frame, RstStreamFrame):
            self.stream(frame.stream_id).reset = frame.error_code
            self.stream(frame.stream_id).reset_at = time.monotonic()
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
            if frame.flow_controlled_length and self.auto_window_update:
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


def case_rst_before_send_buffer(client):
    """The client cancels a request whose handler then answers with sendBuffer()
    of more than the stream buffer: nothing on that stream, the handler is not
    stuck waiting for room, and the connection goes on."""
    client.handshake()
    client.get(1, '/buffer?bytes=600000&ms=300')
    client.send_frame(RstStreamFrame(1, error_code=CANCEL))
    client.expect_hello(3)
    client.drain(max(0.0, 1.0 - (time.monotonic() - client.started)))
    client.get(5, '/buffer?bytes=600000')
    stream = client.wait_for_response(5)
    expect(stream.status() == 200 and stream.ended and len(stream.data) == 600000,
           'second sendBuffer response incomplete: %s' % client.describe())
    client.expect_alive()
    expect(not client.stream(1).frames, 'frames on the cancelled stream: %s' % client.describe())


def case_cancel_during_large_body(client):
    """GET of a 64 MiB body that the client cancels (RST_STREAM) once its first
    DATA arrived, granting no window meanwhile, while the handler still writes.
    With inline handlers the server reads the RST_STREAM between the handler's
    writes and the handler's next write fails; either way nothing more comes on
    that stream, and the connection goes on."""
    client.auto_window_update = False
    client.handshake()
    client.get(1, '/stream?bytes=67108864')
    stream = client.stream(1)
    expect(client.wait_for(lambda: len(stream.data) > 0, 10), 'no DATA on stream 1: %s' % client.describe())
    client.send_frame(RstStreamFrame(1, error_code=CANCEL))
    received = len(stream.data)
    client.send_window_update(0, received)  # the connection's window, for stream 3
    client.auto_window_update = True
    client.expect_hello(3)
    client.expect_alive()
    expect(len(stream.data) <= 65535 and received <= 65535,
           '%d bytes on stream 1, more than its window: %s' % (len(stream.data), client.describe()))


def case_close_during_large_body(client):
    """The client closes the connection once the first DATA of a 64 MiB body
    arrived, while the handler still writes; a new connection is served."""
    client.auto_window_update = False
    client.handshake()
    client.get(1, '/stream?bytes=67108864')
    stream = client.stream(1)
    expect(client.wait_for(lambda: len(stream.data) > 0, 10), 'no DATA on stream 1: %s' % client.describe())
    client.sock.close()
    time.sleep(0.2)
    other = Client(client.port, client.tls)
    other.handshake()
    other.expect_hello(1)
    other.expect_alive()


def case_head_send_buffer(client):
    """HEAD answered with sendBuffer(): HEADERS with its content-length, no DATA payload."""
    client.handshake()
    client.get(1, '/buffer?bytes=1000', method='HEAD')
    stream = client.wait_for_response(1)
    expect(stream.status() == 200, 'status %r: %s' % (stream.status(), client.describe()))
    expect(stream.header('content-length') == '1000',
           'content-length %r: %s' % (stream.header('content-length'), client.describe()))
    expect(stream.data == b'', 'HEAD response carries %d body bytes: %s' % (len(stream.data), client.describe()))
    expect(stream.ended and stream.reset is None, 'HEAD response did not end cleanly: %s' % client.describe())


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


# -- limits, timeouts and lifecycle (issue 3)

def option(client, name):
    expect(name in client.options, 'this case needs %s=VALUE on the command line' % name)
    return client.options[name]


def wait_for_stream(client, stream_id, timeout):
    """Handles frames until the stream ended or was reset (a GOAWAY alone does not stop the wait)."""
    stream = client.stream(stream_id)
    client.wait_for(lambda: stream.ended or stream.reset is not None, timeout)
    return stream


def describe_stream(stream):
    return 'status %r, %d body bytes %r, %s, reset %s' % (
        stream.status(), len(stream.data), stream.data[:64], 'ended' if stream.ended else 'not ended',
        error_name(stream.reset))


def case_body_limit_declared(client):
    """limit=L (the server's max request body size). A content-length over the
    limit is answered 413 by the server itself, without running a handler (the
    C++ test checks the server's stream counter); the upload being unfinished,
    RST_STREAM(NO_ERROR) follows the complete response (RFC 9113 §8.1). A
    content-length of exactly L is served."""
    limit = int(option(client, 'limit'))
    client.handshake()
    client.send_headers(1, client.request_headers('/sink', 'POST', [('content-length', str(limit + 1))]),
                        end_stream=False)
    client.send_data(1, b'x' * 1024)
    stream = client.stream(1)
    expect(client.wait_for(lambda: stream.reset is not None or client.goaway is not None, 5),
           'no RST_STREAM on the over-limit upload: %s' % client.describe())
    expect(stream.status() == 413 and stream.ended and stream.data == b'',
           'expected a complete empty 413 response: %s; %s' % (describe_stream(stream), client.describe()))
    expect(stream.reset == NO_ERROR and stream.frames[-1] == 'RstStreamFrame',
           'expected RST_STREAM(NO_ERROR) after the 413: %s' % client.describe())

    client.send_headers(3, client.request_headers('/sink', 'POST', [('content-length', str(limit))]),
                        end_stream=False)
    client.send_body(3, limit)
    stream = wait_for_stream(client, 3, 10)
    expect(stream.status() == 200 and stream.data == str(limit).encode() and stream.ended and stream.reset is None,
           'a body of exactly the limit: %s; %s' % (describe_stream(stream), client.describe()))
    client.expect_hello(5)


def case_body_limit_streamed(client):
    """limit=L. Without content-length, a body of exactly L bytes is served; a
    body that goes past L is stopped with RST_STREAM(CANCEL), and no response
    comes on that stream. The connection goes on."""
    limit = int(option(client, 'limit'))
    client.handshake()
    client.send_headers(1, client.request_headers('/sink', 'POST'), end_stream=False)
    client.send_body(1, limit)
    stream = wait_for_stream(client, 1, 10)
    expect(stream.status() == 200 and stream.data == str(limit).encode() and stream.ended and stream.reset is None,
           'a body of exactly the limit: %s; %s' % (describe_stream(stream), client.describe()))

    client.send_headers(3, client.request_headers('/sink', 'POST'), end_stream=False)
    sent = client.send_body(3, limit + 65536)
    stream = wait_for_stream(client, 3, 5)
    expect(stream.reset == CANCEL, 'expected RST_STREAM(CANCEL) after %d bytes over a %d-byte limit: %s; %s'
           % (sent, limit, describe_stream(stream), client.describe()))
    expect(stream.status() is None and stream.data == b'',
           'a response on the reset stream: %s' % describe_stream(stream))
    expect(client.goaway is None, 'GOAWAY: %s' % client.describe())
    client.expect_hello(5)


def case_read_timeout(client):
    """timeout=SECONDS (HTTPServerParams::setTimeout), path=PATH (default /sink).
    The client sends the request headers and 16 KiB of body, then stalls: the
    handler's read gives up after the timeout and, as it had not sent, the
    request is answered 408; the upload being unfinished, RST_STREAM(NO_ERROR)
    follows (RFC 9113 §8.1). The connection goes on."""
    timeout = float(option(client, 'timeout'))
    path = client.options.get('path', '/sink')
    client.handshake()
    client.send_headers(1, client.request_headers(path, 'POST'), end_stream=False)
    client.send_data(1, b'x' * 16384)
    start = time.monotonic()
    stream = client.stream(1)
    client.wait_for(lambda: stream.ended or stream.reset is not None or client.goaway is not None, timeout + 5)
    elapsed = (stream.ended_at or stream.reset_at or time.monotonic()) - start
    print('answer after %.3f s: %s' % (elapsed, describe_stream(stream)))
    expect(stream.status() == 408 and stream.ended,
           'expected a complete 408 response %ss after the upload stalled; got %s after %.3f s: %s'
           % (timeout, describe_stream(stream), elapsed, client.describe()))
    expect(timeout * 0.9 <= elapsed <= timeout + 2, '408 after %.3f s, read timeout %ss' % (elapsed, timeout))
    expect(client.wait_for(lambda: stream.reset is not None or client.goaway is not None, 3),
           'no RST_STREAM after the 408 although the upload is unfinished: %s' % client.describe())
    expect(stream.reset == NO_ERROR, 'RST_STREAM(%s), expected NO_ERROR: %s' % (error_name(stream.reset),
                                                                              client.describe()))
    client.expect_hello(3)


def case_idle_timeout(client):
    """idle=SECONDS. A connection without streams gets GOAWAY(NO_ERROR) after
    the idle timeout, then the server closes it."""
    idle = float(option(client, 'idle'))
    client.handshake()
    expect(client.wait_for(lambda: client.goaway is not None, idle + 3),
           'no GOAWAY %.1f s into an idle connection: %s' % (idle + 3, client.describe()))
    at = client.goaways[0][0] - client.started
    print('GOAWAY after %.3f s' % at)
    expect(client.goaway.error_code == NO_ERROR, 'GOAWAY(%s), expected NO_ERROR: %s'
           % (error_name(client.goaway.error_code), client.describe()))
    expect(idle * 0.9 <= at <= idle + 2, 'GOAWAY after %.3f s, idle timeout %ss' % (at, idle))
    client.wait_for(lambda: False, 3)
    expect(client.eof, 'connection still open 3 s after the idle GOAWAY: %s' % client.describe())


def case_idle_busy_stream(client):
    """idle=SECONDS. A handler running for 2.5 idle timeouts keeps its
    connection: the complete response comes, without GOAWAY; the idle timeout
    then counts from the end of the stream: GOAWAY(NO_ERROR, last_stream_id 1),
    then close."""
    idle = float(option(client, 'idle'))
    client.handshake()
    ms = int(idle * 2500)
    client.get(1, '/slow?ms=%d' % ms)
    stream = client.stream(1)
    client.wait_for(lambda: stream.ended or stream.reset is not None or client.goaway is not None, ms / 1000.0 + 5)
    expect(client.goaway is None and not client.eof,
           'the connection went away while a %d ms handler ran: %s' % (ms, client.describe()))
    expect(stream.status() == 200 and stream.data == b'slow' and stream.ended and stream.reset is None,
           'the running stream: %s; %s' % (describe_stream(stream), client.describe()))
    expect(client.wait_for(lambda: client.goaway is not None, idle + 3),
           'no GOAWAY %.1f s after the last stream ended: %s' % (idle + 3, client.describe()))
    at = client.goaways[0][0] - stream.ended_at
    print('GOAWAY %.3f s after the stream ended' % at)
    expect(client.goaway.error_code == NO_ERROR and client.goaway.last_stream_id == 1,
           'expected GOAWAY(NO_ERROR, last_stream_id 1): %s' % client.describe())
    expect(idle * 0.8 <= at <= idle + 2, 'GOAWAY %.3f s after the stream ended, idle timeout %ss' % (at, idle))
    client.wait_for(lambda: False, 3)
    expect(client.eof, 'connection still open 3 s after the idle GOAWAY: %s' % client.describe())


def case_keepalive_acked(client):
    """interval=SECONDS (keepalive PING interval). A client that sends nothing
    but PING ACKs gets a PING one interval after its last input, again and
    again, and keeps its connection."""
    interval = float(option(client, 'interval'))
    client.handshake()
    client.drain(interval * 3.5)
    times = [t - client.started for t in client.pings_received]
    print('PINGs at %s s' % ', '.join('%.3f' % t for t in times))
    expect(len(times) >= 2, '%d PINGs in %.1f s with a %ss interval: %s'
           % (len(times), interval * 3.5, interval, client.describe()))
    expect(interval * 0.9 <= times[0] <= interval + 1, 'first PING after %.3f s, interval %ss' % (times[0], interval))
    expect(not client.eof and client.goaway is None, 'connection went away though PINGs were acknowledged: %s'
           % client.describe())
    client.expect_hello(1)


def case_keepalive_unacked(client):
    """interval=SECONDS, timeout=SECONDS. A peer that is silent and never
    acknowledges PINGs: the server sends a PING after the interval and closes
    the connection when the timeout has passed without the ACK."""
    interval = float(option(client, 'interval'))
    timeout = float(option(client, 'timeout'))
    client.auto_ack_ping = False
    client.handshake()
    expect(client.wait_for(lambda: client.pings_received, interval + 2),
           'no PING within %.1f s: %s' % (interval + 2, client.describe()))
    ping_at = client.pings_received[0] - client.started
    client.wait_for(lambda: False, timeout + 3)
    expect(client.eof, 'connection still open %.1f s after an unanswered PING: %s' % (timeout + 3, client.describe()))
    closed_after = client.eof_at - client.pings_received[0]
    print('PING after %.3f s, connection closed %.3f s later: %s' % (ping_at, closed_after, client.describe()))
    expect(interval * 0.9 <= ping_at <= interval + 1, 'PING after %.3f s, interval %ss' % (ping_at, interval))
    expect(timeout * 0.9 <= closed_after <= timeout + 1.5,
           'closed %.3f s after the unanswered PING, timeout %ss' % (closed_after, timeout))


def expect_shutdown_notice(client):
    """Waits for the first GOAWAY of a graceful stop, and the PING that goes
    with it; returns the GOAWAY's arrival time."""
    expect(client.wait_for(lambda: client.goaways, 10), 'no GOAWAY: %s' % client.describe())
    first_at, first = client.goaways[0]
    expect(first.error_code == NO_ERROR and first.last_stream_id == MAX_STREAM_ID,
           'first GOAWAY is not the shutdown notice GOAWAY(NO_ERROR, last_stream_id 2^31-1): %s' % client.describe())
    expect(client.wait_for(lambda: client.pings_received, 1), 'no PING with the shutdown notice: %s'
           % client.describe())
    expect(abs(client.pings_received[0] - first_at) < 0.5, 'PING %.3f s after the notice'
           % (client.pings_received[0] - first_at))
    return first_at


def check_ping_follows_notice(client):
    """When the PING's ACK brings the final GOAWAY, the PING must follow the
    notice on the wire: the ACK is to prove that the client has seen the
    notice, one round trip having passed for the streams it was opening
    (RFC 9113 §6.8). The ACK of a PING sent before the notice can leave
    before the client reads the notice."""
    notice = next(i for i, entry in enumerate(client.log) if entry.startswith('GoAwayFrame'))
    ping = next(i for i, entry in enumerate(client.log) if entry.startswith('PingFrame') and 'ACK' not in entry)
    check(client, notice < ping, 'the PING went out before the shutdown notice GOAWAY, so its ACK does not show '
          'that the client saw the notice: %s' % '; '.join(client.log[min(notice, ping):max(notice, ping) + 1]))


def check_final_phase(client, slow_stream, refused_id, served_id=None):
    """After the final GOAWAY: the stream in flight completes, served_id (if
    any) was served, and the server closes the connection. The stream
    refused_id, opened after the final GOAWAY, gets RST_STREAM(REFUSED_STREAM)
    or nothing at all: nghttp2 ignores HEADERS that open a stream once its
    GOAWAY went out (nghttp2_submit_goaway), as RFC 9113 §6.8 allows; the
    client knows from last_stream_id that it may retry that request."""
    wait_for_stream(client, 1, 8)
    client.wait_for(lambda: False, 5)
    expect(slow_stream.status() == 200 and slow_stream.data == b'slow' and slow_stream.ended
           and slow_stream.reset is None,
           'the stream in flight did not complete: %s; %s' % (describe_stream(slow_stream), client.describe()))
    if served_id is not None:
        served = client.stream(served_id)
        expect(served.status() == 200 and served.data == HELLO and served.ended and served.reset is None,
               'stream %d, opened between the two GOAWAYs, was not served: %s; %s'
               % (served_id, describe_stream(served), client.describe()))
    expect(client.eof, 'connection still open 5 s after its last stream: %s' % client.describe())
    refused = client.stream(refused_id)
    expect(refused_id > client.goaways[-1][1].last_stream_id, 'the final GOAWAY covers stream %d' % refused_id)
    if not refused.frames:
        print('stream %d, opened after the final GOAWAY, was ignored (no RST_STREAM(REFUSED_STREAM))' % refused_id)
    else:
        expect(refused.frames == ['RstStreamFrame'] and refused.reset == REFUSED_STREAM,
               'stream %d, opened after the final GOAWAY: %s, expected RST_STREAM(REFUSED_STREAM) or nothing: %s'
               % (refused_id, describe_stream(refused), client.describe()))
        print('stream %d, opened after the final GOAWAY, got RST_STREAM(REFUSED_STREAM)' % refused_id)


def case_stop_two_step(client):
    """Run by ShutdownTest, which calls HTTP2Server::stop() while /slow?ms=2000
    runs on stream 1. RFC 9113 §6.8: GOAWAY(NO_ERROR, last_stream_id 2^31-1)
    and a PING; our PING ACK brings the final GOAWAY(NO_ERROR, last_stream_id
    1) at once (not after the 1 s fallback). Stream 3, opened after it, is
    refused or ignored (see check_final_phase); stream 1 completes; then the
    server closes."""
    client.handshake()
    client.get(1, '/slow?ms=2000')
    slow = client.stream(1)
    first_at = expect_shutdown_notice(client)
    check_ping_follows_notice(client)
    expect(client.wait_for(lambda: len(client.goaways) >= 2, 3), 'no final GOAWAY: %s' % client.describe())
    final_at, final = client.goaways[1]
    print('final GOAWAY %.3f s after the notice' % (final_at - first_at))
    expect(final.error_code == NO_ERROR and final.last_stream_id == 1,
           'expected the final GOAWAY(NO_ERROR, last_stream_id 1): %s' % client.describe())
    expect(final_at - first_at < 0.5, 'final GOAWAY %.3f s after the notice although the PING was acknowledged'
           % (final_at - first_at))
    expect(not slow.ended, 'stream 1 ended before the final GOAWAY: %s' % client.describe())
    client.get(3, '/')
    check_final_phase(client, slow, 3)


def case_stop_two_step_unacked(client):
    """Run by ShutdownTest, which calls HTTP2Server::stop() while /slow?ms=2500
    runs on stream 1; this client never acknowledges PINGs. Stream 3, opened
    right after the shutdown notice, is served; the final GOAWAY comes about
    1 s after the notice with last_stream_id 3; stream 5, opened after it, is
    refused or ignored (see check_final_phase); stream 1 completes; then the
    server closes."""
    client.auto_ack_ping = False
    client.handshake()
    client.get(1, '/slow?ms=2500')
    slow = client.stream(1)
    first_at = expect_shutdown_notice(client)
    client.get(3, '/')
    expect(client.wait_for(lambda: len(client.goaways) >= 2, 3), 'no final GOAWAY: %s' % client.describe())
    final_at, final = client.goaways[1]
    print('final GOAWAY %.3f s after the notice' % (final_at - first_at))
    expect(final.error_code == NO_ERROR and final.last_stream_id == 3,
           'expected the final GOAWAY(NO_ERROR, last_stream_id 3): %s' % client.describe())
    expect(0.8 <= final_at - first_at <= 1.6, 'final GOAWAY %.3f s after the notice, expected 1 s'
           % (final_at - first_at))
    expect(not slow.ended, 'stream 1 ended before the final GOAWAY: %s' % client.describe())
    client.get(5, '/')
    check_final_phase(client, slow, 5, served_id=3)


def case_auth_unfinished_upload(client):
    """POST /auth announcing 4 MiB, of which 16 KiB are sent: the handler answers
    401 without reading. After the complete response (END_STREAM) the server
    stops the upload with RST_STREAM(NO_ERROR) (RFC 9113 §8.1); the connection
    goes on."""
    client.handshake()
    client.send_headers(1, client.request_headers('/auth', 'POST', [('content-length', str(4 << 20))]),
                        end_stream=False)
    client.send_data(1, b'x' * 16384)
    stream = client.stream(1)
    expect(client.wait_for(lambda: stream.reset is not None or client.goaway is not None, 5),
           'no RST_STREAM although the response is complete and the upload is not: %s' % client.describe())
    expect(stream.status() == 401 and stream.ended, 'expected a complete 401: %s; %s'
           % (describe_stream(stream), client.describe()))
    expect(stream.reset == NO_ERROR, 'RST_STREAM(%s), expected NO_ERROR: %s' % (error_name(stream.reset),
                                                                              client.describe()))
    ends = [i for i, (name, flags) in enumerate(stream.flags) if 'END_STREAM' in flags]
    expect(ends and ends[0] < stream.frames.index('RstStreamFrame'),
           'RST_STREAM before the response ended: %s' % client.describe())
    client.expect_hello(3)


def case_trailers(client):
    """gRPC style, through python3-h2's state machine, which validates the
    server's frames as a real client does: POST /trailers with a body and an
    x-checksum trailer (its SHA-256). The handler sees the trailer (it lists it
    in the body and answers grpc-status 0 only if it matches); the response
    ends with a trailing HEADERS frame with END_STREAM carrying exactly
    grpc-status: 0 and grpc-message: ok, after the DATA (none with END_STREAM)."""
    import h2.config
    import h2.connection
    import h2.events
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding='utf-8'))
    conn.initiate_connection()
    body = bytes((i * 31 + 7) % 256 for i in range(50000))  # within the 65535-byte initial windows
    checksum = hashlib.sha256(body).hexdigest()
    conn.send_headers(1, client.request_headers('/trailers', 'POST', [('content-type', 'application/grpc'),
                                                                     ('te', 'trailers')]))
    for offset in range(0, len(body), 16384):
        conn.send_data(1, body[offset:offset + 16384])
    conn.send_headers(1, [('x-checksum', checksum)], end_stream=True)
    client.send(conn.data_to_send())

    order, headers, data, trailers = [], None, b'', None
    data_ended = trailers_ended = ended = False
    deadline = time.monotonic() + 10
    while not ended and time.monotonic() < deadline:
        client.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = client.sock.recv(65536)
        except socket.timeout:
            break
        expect(chunk, 'connection closed; events so far: %s' % order)
        for event in conn.receive_data(chunk):
            if isinstance(event, h2.events.ResponseReceived):
                headers = dict(event.headers)
            elif isinstance(event, h2.events.DataReceived):
                data += event.data
                data_ended = data_ended or event.stream_ended is not None
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.TrailersReceived):
                trailers = list(event.headers)
                trailers_ended = event.stream_ended is not None
            elif isinstance(event, h2.events.StreamEnded):
                ended = True
            elif isinstance(event, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
                raise Fail('%s: %s' % (type(event).__name__, event))
            else:
                continue
            order.append(type(event).__name__)
        client.send(conn.data_to_send())
    print('events: %s' % ' '.join(order))
    expect(ended, 'the stream did not end; events: %s' % order)
    expect(headers is not None and headers.get(':status') == '200', 'response headers %r' % headers)
    expected_body = ('bytes=%d\nsha256=%s\ntrailer:x-checksum=%s\n' % (len(body), checksum, checksum)).encode()
    expect(data == expected_body, 'body %r, expected %r (the handler must see the x-checksum trailer)'
           % (data, expected_body))
    expect(trailers == [('grpc-status', '0'), ('grpc-message', 'ok')],
           'response trailers %r, expected grpc-status: 0, grpc-message: ok' % trailers)
    expect(trailers_ended and not data_ended and order[-2:] == ['TrailersReceived', 'StreamEnded'],
           'the trailers must come last, in a HEADERS frame with END_STREAM; events: %s' % order)


def case_window_exhausted(client):
    """A client that sends no WINDOW_UPDATE, with the default 65535-byte
    windows, asks for 1 MiB: the server sends exactly 65535 bytes of DATA and
    waits (RFC 9113 §6.9). Once the client opens its windows the rest comes,
    the body intact."""
    total = 1 << 20
    client.auto_window_update = False
    client.handshake()
    client.get(1, '/stream?bytes=%d' % total)
    stream = client.stream(1)
    client.drain(1.5)
    expect(stream.status() == 200, 'no 200 response headers: %s' % client.describe())
    expect(len(stream.data) == 65535 and not stream.ended and stream.reset is None,
           'with closed windows the server sent %d bytes (%s), expected exactly 65535 and a stream left open'
           % (len(stream.data), describe_stream(stream)))
    client.auto_window_update = True
    client.send_window_update(0, 65535)
    client.send_window_update(1, 65535)
    wait_for_stream(client, 1, 10)
    expect(stream.ended and stream.reset is None and len(stream.data) == total and stream.data == stream_pattern(total),
           'after opening the windows: %s' % describe_stream(stream))


def case_window_settings_change(client):
    """SETTINGS_INITIAL_WINDOW_SIZE changes apply to open streams (RFC 9113
    §6.9.2). The client starts with a stream window of 0 (and a 16 MiB
    connection window) and asks for 200000 bytes: the headers come, no DATA.
    Raising the setting to 100000 lets exactly 100000 bytes come; raising it
    to 300000 lets the other 100000 come, and the stream ends."""
    total = 200000
    client.auto_window_update = False
    client.preface({SETTINGS_INITIAL_WINDOW_SIZE: 0})
    client.send_window_update(0, 16 * 1024 * 1024)
    expect(client.wait_for(lambda: client.server_settings is not None and client.settings_acked, 5),
           'no SETTINGS exchange: %s' % client.describe())
    client.get(1, '/stream?bytes=%d' % total)
    stream = client.stream(1)
    client.wait_for(lambda: stream.header_blocks, 5)
    client.drain(1)
    expect(stream.status() == 200 and stream.data == b'',
           'with a stream window of 0: %s, expected the headers and no DATA' % describe_stream(stream))
    client.send_frame(SettingsFrame(0, settings={SETTINGS_INITIAL_WINDOW_SIZE: 100000}))
    client.wait_for(lambda: len(stream.data) >= 100000 or stream.ended, 5)
    client.drain(0.5)
    expect(len(stream.data) == 100000 and not stream.ended,
           'after raising the window to 100000: %s, expected exactly 100000 bytes' % describe_stream(stream))
    client.send_frame(SettingsFrame(0, settings={SETTINGS_INITIAL_WINDOW_SIZE: 300000}))
    wait_for_stream(client, 1, 5)
    expect(stream.ended and stream.reset is None and stream.data == stream_pattern(total),
           'after raising the window to 300000: %s' % describe_stream(stream))


def case_upload_backpressure(client):
    """delay=MS. POST /sink?delayMsPerMiB=MS with 4 MiB, sent as fast as the
    server's windows allow: the handler reads 1 MiB per MS milliseconds, and the
    server credits the windows only as it reads (manual flow control), so the
    stream window it grants never runs more than a little (its read and credit
    batches) ahead of the handler, the upload takes about (4 MiB - initial
    window) / rate, and the handler counts every byte."""
    delay = int(option(client, 'delay'))
    rate = (1 << 20) * 1000.0 / delay
    total = 4 << 20
    client.handshake()
    window = client.server_settings.get(SETTINGS_INITIAL_WINDOW_SIZE, 65535)
    client.send_headers(1, client.request_headers('/sink?delayMsPerMiB=%d' % delay, 'POST'), end_stream=False)
    start = time.monotonic()
    client.send_body(1, total)
    sent_in = time.monotonic() - start
    stream = wait_for_stream(client, 1, 10)
    ahead = max([increment - rate * (at - start) for at, increment in stream.window_log] or [0])
    print('4 MiB sent in %.3f s; stream window %d; credit at most %d bytes ahead of the handler\'s reading'
          % (sent_in, window, ahead))
    expect(stream.status() == 200 and stream.data == str(total).encode() and stream.reset is None,
           'the handler did not count every byte: %s' % describe_stream(stream))
    expect(window == 1 << 20, 'stream window %d, expected the 1 MiB default' % window)
    expect(ahead <= 256 * 1024, 'the server credited %d bytes more than the handler had read: it buffers the '
           'upload instead of holding the client back; %s' % (ahead, stream.window_log))
    minimum = 0.7 * (total - window) / rate
    expect(sent_in >= minimum, 'upload done in %.3f s, the slow handler should have held it back for %.3f s'
           % (sent_in, minimum))


def case_window_never_opens(client):
    """timeout=SECONDS (HTTPServerParams::setTimeout). The client's stream
    window is 0 and it never opens it; it asks for 1 MiB. The handler fills
    its stream buffer and the server waits for the window, but not for ever:
    after the send timeout without progress it resets the stream with
    RST_STREAM(CANCEL), and the connection goes on."""
    timeout = float(option(client, 'timeout'))
    client.auto_window_update = False
    client.preface({SETTINGS_INITIAL_WINDOW_SIZE: 0})
    expect(client.wait_for(lambda: client.server_settings is not None and client.settings_acked, 5),
           'no SETTINGS exchange: %s' % client.describe())
    client.get(1, '/stream?bytes=%d' % (1 << 20))
    start = time.monotonic()
    stream = client.stream(1)
    client.wait_for(lambda: stream.reset is not None or stream.ended or client.goaway is not None, timeout * 2 + 5)
    elapsed = (stream.reset_at or time.monotonic()) - start
    print('reset after %.3f s: %s' % (elapsed, describe_stream(stream)))
    expect(stream.status() == 200 and stream.data == b'',
           'expected the response headers and no DATA: %s' % describe_stream(stream))
    expect(stream.reset == CANCEL, 'expected RST_STREAM(CANCEL) after the send timeout of %ss; got %s: %s'
           % (timeout, describe_stream(stream), client.describe()))
    expect(timeout * 0.9 <= elapsed <= timeout * 1.25 + 2,
           'RST_STREAM after %.3f s, send timeout %ss' % (elapsed, timeout))
    client.auto_window_update = True
    client.send_frame(SettingsFrame(0, settings={SETTINGS_INITIAL_WINDOW_SIZE: 65535}))
    client.expect_hello(3)


def case_window_trickle(client):
    """timeout=SECONDS. Like window_never_opens, but the client opens its
    windows by 16 KiB every third of the timeout, for three timeouts: a slow
    reader that keeps taking bytes is not reset. Then it opens them fully and
    the whole body arrives."""
    timeout = float(option(client, 'timeout'))
    total = 1 << 20
    client.auto_window_update = False
    client.preface({SETTINGS_INITIAL_WINDOW_SIZE: 0})
    expect(client.wait_for(lambda: client.server_settings is not None and client.settings_acked, 5),
           'no SETTINGS exchange: %s' % client.describe())
    client.get(1, '/stream?bytes=%d' % total)
    stream = client.stream(1)
    for _ in range(9):
        client.drain(timeout / 3)
        expect(stream.reset is None, 'a reader taking 16 KiB every %.2f s was reset: %s'
               % (timeout / 3, describe_stream(stream)))
        client.send_window_update(1, 16384)
        client.send_window_update(0, 16384)
    client.drain(0.5)
    expect(len(stream.data) == 9 * 16384, 'expected 9 x 16 KiB by now: %s' % describe_stream(stream))
    client.auto_window_update = True
    client.send_frame(SettingsFrame(0, settings={SETTINGS_INITIAL_WINDOW_SIZE: 1 << 20}))
    client.send_window_update(0, 1 << 20)
    wait_for_stream(client, 1, 10)
    expect(stream.ended and stream.reset is None and stream.data == stream_pattern(total),
           'after opening the windows: %s' % describe_stream(stream))


def case_socket_never_read(client):
    """timeout=SECONDS. The client opens all windows wide, asks for 256 MiB
    and then reads nothing from its socket: the server's output stops at the
    socket. After the send timeout without a byte written the server closes
    the connection, so the client, reading at last, finds the end of the
    connection well before the body's end."""
    timeout = float(option(client, 'timeout'))
    total = 256 << 20
    client.preface({SETTINGS_INITIAL_WINDOW_SIZE: 0x7fffffff})
    client.send_window_update(0, 0x7fffffff - 65535)
    expect(client.wait_for(lambda: client.server_settings is not None and client.settings_acked, 5),
           'no SETTINGS exchange: %s' % client.describe())
    client.get(1, '/stream?bytes=%d' % total)
    time.sleep(timeout * 1.25 + 2)
    start = time.monotonic()
    client.read_raw_until_eof(20)
    print('read %d bytes until %s after %.3f s' % (len(client.buffer), 'EOF' if client.eof else 'the timeout',
                                                   time.monotonic() - start))
    expect(client.eof, 'the connection is still open after %.1f s of a socket nobody reads (send timeout %ss)'
           % (timeout * 1.25 + 2, timeout))
    expect(len(client.buffer) < total, 'the whole body arrived: the server was never stalled')


def case_lent_heads_bounded(client):
    """streams=N (the server's SETTINGS_MAX_CONCURRENT_STREAMS). The client
    stops reading while a 256 MiB download fills the socket, then sends N + 4
    requests one by one, each reset once its handler has had time to answer.
    The server cannot send those response heads; it keeps each one until
    nghttp2 drops it, but no more than N: past that it ends the connection
    with GOAWAY ENHANCE_YOUR_CALM, which the client finds when it reads."""
    streams = int(option(client, 'streams'))
    client.preface({SETTINGS_INITIAL_WINDOW_SIZE: 0x7fffffff})
    client.send_window_update(0, 0x7fffffff - 65535)
    expect(client.wait_for(lambda: client.server_settings is not None and client.settings_acked, 5),
           'no SETTINGS exchange: %s' % client.describe())
    client.auto_window_update = False  # the windows are wide open; the server may close while we read
    client.get(1, '/stream?bytes=%d' % (256 << 20))
    time.sleep(1)  # the socket fills up
    for index in range(streams + 4):
        stream_id = 3 + 2 * index
        client.get(stream_id, '/')
        time.sleep(0.05)  # its handler answers; the head cannot leave
        client.send_frame(RstStreamFrame(stream_id, error_code=CANCEL))
    expect(client.wait_for(lambda: client.goaway is not None or client.eof, 30),
           'no GOAWAY after %d streams reset with their response heads unsent: %s'
           % (streams + 4, client.describe()))
    expect(client.goaway is not None and client.goaway.error_code == 0xb,
           'expected GOAWAY(ENHANCE_YOUR_CALM): %s' % client.describe())


def case_post_in_one_write(client):
    """path=PATH. POST PATH with a 100-byte body, HEADERS (no END_STREAM) and
    DATA (END_STREAM) in one write; prints the response body and checks it
    is a complete 200 response."""
    path = client.options.get('path', '/thread')
    client.handshake()
    frames = []
    send = client.send
    client.send = frames.append
    try:
        client.send_headers(1, client.request_headers(path, 'POST'), end_stream=False)
        client.send_data(1, b'x' * 100, end_stream=True)
    finally:
        client.send = send
    client.send(b''.join(frames))
    stream = client.wait_for_response(1)
    expect(stream.status() == 200 and stream.ended and stream.reset is None,
           'expected a complete 200 response: %s' % describe_stream(stream))
    print('body: %s' % stream.data.decode('latin-1'))


def case_inline_batch_in_slices(client):
    """slice=N. 2N+1 requests in one write: 2N GET / and, last, GET /slow?ms=2000.
    Against a server running handlers inline, the first 2N responses must
    arrive while the slow handler still holds the loop (they leave in slices
    of N), not together with the slow one after its 2 s."""
    n = int(client.options.get('slice', '16'))
    client.handshake()
    frames = []
    send = client.send
    client.send = frames.append
    try:
        fast_ids = [1 + 2 * i for i in range(2 * n)]
        for stream_id in fast_ids:
            client.get(stream_id, '/')
        slow_id = fast_ids[-1] + 2
        client.get(slow_id, '/slow?ms=2000')
    finally:
        client.send = send
    client.send(b''.join(frames))
    slow = client.wait_for_response(slow_id, timeout=15)
    expect(slow.status() == 200 and slow.data == b'slow' and slow.ended, 'slow stream: %s' % client.describe())
    for stream_id in fast_ids:
        stream = client.stream(stream_id)
        expect(stream.status() == 200 and stream.data == HELLO and stream.ended,
               'stream %d: %s' % (stream_id, describe_stream(stream)))
    last_fast = max(client.stream(i).ended_at for i in fast_ids)
    print('the %d fast responses ended %.3f s before the slow one' % (len(fast_ids), slow.ended_at - last_fast))
    expect(slow.ended_at - last_fast > 1.0,
           'the fast responses waited for the 2 s handler behind them (%.3f s apart)' % (slow.ended_at - last_fast))


def case_recycled_streams(client):
    """The server recycles a closed stream's object for a later one: nothing of
    an earlier request on the connection may show in a later one. Rounds of
    POST /trailers with headers, body and trailers, then the same without any,
    a /slow request we reset while its handler runs, an upload we reset while
    its handler reads it, and GET /headers: each handler sees exactly its own
    request (headers, body, trailers), and each stream its own close state."""
    client.handshake()
    next_id = [1]

    def new_stream():
        stream_id = next_id[0]
        next_id[0] += 2
        return stream_id

    def post_trailers(body, trailers, extra=()):
        stream_id = new_stream()
        client.send_headers(stream_id, client.request_headers('/trailers', 'POST', extra),
                            end_stream=not body and not trailers)
        if body:
            client.send_data(stream_id, body, end_stream=not trailers)
        if trailers:
            client.send_headers(stream_id, trailers, end_stream=True)
        stream = client.wait_for_response(stream_id)
        expect(stream.reset is None and stream.status() == 200,
               'stream %d: %s' % (stream_id, describe_stream(stream)))
        return stream.data.decode()

    for round_number in range(4):
        body = b'body of round %d' % round_number
        report = post_trailers(body, [('x-checksum', hashlib.sha256(body).hexdigest()), ('x-old', 'trailer')],
                               [('x-first', 'header of round %d' % round_number)])
        expect(report.startswith('bytes=%d\n' % len(body)) and 'trailer:x-old=trailer\n' in report,
               'round %d, full request: %r' % (round_number, report))

        report = post_trailers(b'', [])
        expected = 'bytes=0\nsha256=%s\n' % hashlib.sha256(b'').hexdigest()
        expect(report == expected, 'round %d, bare request after a full one: %r, expected %r'
               % (round_number, report, expected))

        slow = new_stream()
        client.get(slow, '/slow?ms=50', extra=[('x-reset', 'slow')])
        client.send_frame(RstStreamFrame(slow, error_code=CANCEL))

        upload = new_stream()
        client.send_headers(upload, client.request_headers('/sink', 'POST', [('x-reset', 'upload')]),
                            end_stream=False)
        client.send_data(upload, b'u' * 1000)
        client.drain(0.05)  # its handler reads what came
        client.send_frame(RstStreamFrame(upload, error_code=CANCEL))

        probe = new_stream()
        client.get(probe, '/headers?round=%d' % round_number, extra=[('x-probe', str(round_number))])
        stream = client.wait_for_response(probe)
        text = stream.data.decode()
        expect(stream.reset is None and stream.status() == 200, 'probe %d: %s' % (probe, describe_stream(stream)))
        expect('uri=/headers?round=%d\n' % round_number in text and 'header:x-probe=%d\n' % round_number in text,
               'probe %d sees another request: %r' % (probe, text))
        for leftover in ('x-first', 'x-old', 'x-checksum', 'x-reset', 'content-length', 'trailer:'):
            expect(leftover not in text, 'probe %d sees %r of an earlier request: %r' % (probe, leftover, text))
        for reset_id in (slow, upload):
            frames = client.stream(reset_id).frames
            expect(all(name in ('HeadersFrame', 'DataFrame', 'WindowUpdateFrame', 'RstStreamFrame')
                       for name in frames), 'stream %d: %s' % (reset_id, frames))
    client.drain(0.2)  # past the slow handlers
    client.expect_alive()
    client.expect_hello(new_stream())


def corked(sock):
    """A context in which the socket's writes leave as one TCP send when it
    ends (TCP_CORK): several TLS records reach the server in one segment,
    so that one read of OpenSSL's takes them all."""
    class Cork:
        def __enter__(self):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)

        def __exit__(self, *exc):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
    return Cork()


def case_tls_records_in_one_segment(client):
    """Twenty requests, each in its own TLS record, arriving in one TCP
    segment after the handshake: the server must answer them all, though
    after its first read they wait in OpenSSL's buffer where epoll cannot
    see them (it reads ahead)."""
    expect(client.tls, 'this case needs --tls')
    client.handshake()
    # Nothing more from us once the requests are sent (the responses fit the
    # window): new bytes on the socket would wake the server for them.
    client.auto_window_update = False
    ids = list(range(1, 41, 2))
    with corked(client.sock):
        for stream_id in ids:
            client.get(stream_id, '/')  # one sendall each: one record each
    for stream_id in ids:
        stream = client.wait_for_response(stream_id, timeout=5)
        expect(stream.reset is None and stream.status() == 200 and stream.data == HELLO,
               'stream %d: %s' % (stream_id, describe_stream(stream)))


def case_http1_pipelined_tls(client):
    """HTTP/1.1 over TLS (ALPN http/1.1), two requests in two TLS records in
    one TCP segment: the second is answered at once, not after the
    keep-alive timeout (it waits in OpenSSL's buffer, out of poll(2)'s
    sight, when Poco's server asks whether another request came)."""
    expect(client.tls, 'this case needs --tls')
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(['http/1.1'])
    sock = context.wrap_socket(socket.create_connection(('127.0.0.1', client.port), timeout=10),
                               server_hostname='localhost')
    expect(sock.selected_alpn_protocol() == 'http/1.1',
           'ALPN selected %r, not http/1.1' % sock.selected_alpn_protocol())
    request = b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
    started = time.monotonic()
    with corked(sock):
        sock.sendall(request)
        sock.sendall(request)
    received = b''
    sock.settimeout(3)
    try:
        while received.count(HELLO) < 2:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    except socket.timeout:
        pass
    sock.close()
    expect(received.count(b'HTTP/1.1 200') == 2 and received.count(HELLO) == 2,
           'two responses expected within 3 s, got after %.1f s: %r' % (time.monotonic() - started, received))


CASES = {
    'inline_batch_in_slices': case_inline_batch_in_slices,
    'bad_preface': case_bad_preface,
    'http1_after_alpn_h2': case_http1_after_alpn_h2,
    'preface_without_settings': case_preface_without_settings,
    'server_settings': case_server_settings,
    'unknown_frame': case_unknown_frame,
    'header_list_too_large': case_header_list_too_large,
    'data_on_half_closed_stream': case_data_on_half_closed_stream,
    'data_on_closed_stream': case_data_on_closed_stream,
    'rst_after_headers': case_rst_after_headers,
    'rst_before_send_buffer': case_rst_before_send_buffer,
    'head_send_buffer': case_head_send_buffer,
    'websocket_upgrade': case_websocket_upgrade,
    'websocket_connect': case_websocket_connect,
    'cookie_crumbs': case_cookie_crumbs,
    'head_no_body': case_head_no_body,
    'slow_multiplex': case_slow_multiplex,
    'throw_then_hello': case_throw_then_hello,
    'unread_upload': case_unread_upload,
    'graceful_stop': case_graceful_stop,
    'abort_stop': case_abort_stop,
    'body_limit_declared': case_body_limit_declared,
    'body_limit_streamed': case_body_limit_streamed,
    'read_timeout': case_read_timeout,
    'idle_timeout': case_idle_timeout,
    'idle_busy_stream': case_idle_busy_stream,
    'keepalive_acked': case_keepalive_acked,
    'keepalive_unacked': case_keepalive_unacked,
    'stop_two_step': case_stop_two_step,
    'stop_two_step_unacked': case_stop_two_step_unacked,
    'auth_unfinished_upload': case_auth_unfinished_upload,
    'trailers': case_trailers,
    'window_exhausted': case_window_exhausted,
    'window_settings_change': case_window_settings_change,
    'window_never_opens': case_window_never_opens,
    'window_trickle': case_window_trickle,
    'socket_never_read': case_socket_never_read,
    'lent_heads_bounded': case_lent_heads_bounded,
    'post_in_one_write': case_post_in_one_write,
    'upload_backpressure': case_upload_backpressure,
    'recycled_streams': case_recycled_streams,
    'tls_records_in_one_segment': case_tls_records_in_one_segment,
    'cancel_during_large_body': case_cancel_during_large_body,
    'close_during_large_body': case_close_during_large_body,
    'http1_pipelined_tls': case_http1_pipelined_tls,
}


def main(argv):
    if len(argv) < 3 or argv[1] not in CASES:
        print('usage: h2frames.py CASE PORT [--tls] [NAME=VALUE...]; cases: %s' % ', '.join(sorted(CASES)))
        return 2
    client = None
    try:
        client = Client(int(argv[2]), '--tls' in argv[3:])
        client.options = dict(argument.split('=', 1) for argument in argv[3:] if '=' in argument)
        CASES[argv[1]](client)
        if client.failures:
            raise Fail(' | '.join(client.failures))
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
