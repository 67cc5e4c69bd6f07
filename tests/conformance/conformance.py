#!/usr/bin/python3
"""Frame-level conformance cases for an HTTP/2 server (RFC 9113, RFC 7541).

Usage:
  conformance.py --server BINARY --transport h2c|tls [--group GROUP]... [--case ID]... [--certificate-dir DIR]
  conformance.py --port PORT --transport h2c|tls [--group GROUP]...
  conformance.py --list

With --server it starts pocoh2_conformance_server (and stops it at the end,
failing if it died on the way); with --port it talks to a server that is
already listening on 127.0.0.1:PORT. Runs the cases of the given groups (all
when none is given), each on a connection of its own, and prints one line per
case: PASS, FAIL or XFAIL (a known deviation, see DEVIATIONS), its id, the RFC
section, what it sends, what it expected and what it saw. Exits 1 if any case
failed.

The cases follow h2spec's (generic, http2 and hpack sections), updated to RFC
9113 (PRIORITY deprecated but still parsed, §8.2.1 field validity, §8.2.2
connection-specific fields, §8.3 pseudo-header rules, §8.5 CONNECT), plus
RFC 8441 and RFC 9218 settings. Each case asserts an exact outcome:

  goaway:CODE   a connection error: GOAWAY with that code, then the
                connection closes
  rst:CODE      a stream error: RST_STREAM with that code on the case's stream
  status:NNN    a response with that status on the case's stream
  alive         nothing wrong happened: a PING sent after the case's frames is
                acknowledged and no GOAWAY or RST_STREAM came
  settings-ack, ping-ack, data:N, close, http1:NNN  (see observe())

Where the RFC lets the server choose between a stream and a connection error,
the case accepts exactly that set, as h2spec does. The client speaks raw
frames (struct + a minimal HPACK encoder of its own, hpack's Decoder for the
server's headers), because most cases send what a correct client never would.
"""

import argparse
import socket
import ssl
import struct
import subprocess
import sys
import time

from hpack import Decoder, Encoder

PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'

# Frame types (RFC 9113 §6)
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
FRAME_NAMES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY',
               'WINDOW_UPDATE', 'CONTINUATION']
# Flags
END_STREAM = 0x1
ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20
# Settings (RFC 9113 §6.5.2, RFC 8441, RFC 9218)
HEADER_TABLE_SIZE, ENABLE_PUSH, MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE, \
    MAX_HEADER_LIST_SIZE = range(1, 7)
ENABLE_CONNECT_PROTOCOL = 0x8
NO_RFC7540_PRIORITIES = 0x9

ERRORS = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT',
          'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR',
          'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED']
ERROR_CODES = {name: code for code, name in enumerate(ERRORS)}

PROBE = b'probe!!!'
# How long a case waits for its outcome. Outcomes normally come within
# milliseconds; only a failing case waits this long.
OUTCOME_TIMEOUT = 3.0
# After the probe's PING ACK, how long to look for a late RST_STREAM or
# GOAWAY (a server may queue PING ACKs ahead of other frames).
GRACE = 0.2
CLOSE_TIMEOUT = 3.0


def error_name(code):
    return ERRORS[code] if code < len(ERRORS) else hex(code)


def frame(frame_type, flags, stream_id, payload=b''):
    return struct.pack('>I', len(payload))[1:] + struct.pack('>BBI', frame_type, flags, stream_id) + payload


# -- a minimal HPACK encoder (RFC 7541 §5, §6), so that cases control every byte

def hpack_int(value, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append((value & 0x7f) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def as_bytes(text):
    return text if isinstance(text, bytes) else text.encode('latin-1')


def hpack_string(text):
    text = as_bytes(text)
    return hpack_int(len(text), 7) + text


def literal(name, value):
    """Literal header field without indexing, new name (RFC 7541 §6.2.2)."""
    return b'\x00' + hpack_string(name) + hpack_string(value)


def header_block(headers):
    return b''.join(literal(name, value) for name, value in headers)


def indexed(index):
    """Indexed header field (RFC 7541 §6.1)."""
    return hpack_int(index, 7, 0x80)


def table_size_update(size):
    """Dynamic table size update (RFC 7541 §6.3)."""
    return hpack_int(size, 5, 0x20)


_TLS_CONTEXT = None


def tls_context():
    """One client context for every connection: loading the system's CA
    certificates (create_default_context) costs more than a case. The server's
    certificate is self-signed; it is not verified."""
    global _TLS_CONTEXT
    if _TLS_CONTEXT is None:
        _TLS_CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        _TLS_CONTEXT.check_hostname = False
        _TLS_CONTEXT.verify_mode = ssl.CERT_NONE
        _TLS_CONTEXT.minimum_version = ssl.TLSVersion.TLSv1_2
        _TLS_CONTEXT.set_alpn_protocols(['h2'])
    return _TLS_CONTEXT


class Connection:
    """One client connection: sends what a case tells it, records what arrives."""

    def __init__(self, port, tls):
        self.port = port
        self.tls = tls
        sock = socket.create_connection(('127.0.0.1', port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls:
            sock = tls_context().wrap_socket(sock, server_hostname='localhost')
            if sock.selected_alpn_protocol() != 'h2':
                raise RuntimeError('ALPN selected %r, not h2' % sock.selected_alpn_protocol())
        self.sock = sock
        self.buffer = b''
        self.eof = False
        self.decoder = Decoder()
        self.decoder.max_header_list_size = 1 << 24
        self.server_settings = None
        self.settings_acked = 0
        self.log = []  # a short description of every frame received
        self.block = None  # (stream id, bytes) of a header block awaiting CONTINUATION
        self.ping_payload = None  # the PING payload whose ACK a case waits for
        self.send_failed = False
        self.goaway_last_stream_id = None

    # -- sending

    def send(self, data):
        try:
            self.sock.settimeout(10)
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.send_failed = True

    def send_frame(self, frame_type, flags, stream_id, payload=b''):
        self.send(frame(frame_type, flags, stream_id, payload))

    def request(self, path='/', method='GET', extra=(), omit=()):
        headers = [(':method', method), (':scheme', 'https' if self.tls else 'http'), (':path', path),
                   (':authority', '127.0.0.1:%d' % self.port)]
        return [field for field in headers if field[0] not in omit] + list(extra)

    def headers(self, stream_id, headers=None, end_stream=True, end_headers=True, block=None, flags=0, pad=None,
                priority=None):
        """HEADERS; headers (a field list, default a GET /) or block (raw HPACK bytes)."""
        if block is None:
            block = header_block(self.request() if headers is None else headers)
        flags |= (END_STREAM if end_stream else 0) | (END_HEADERS if end_headers else 0)
        payload = block
        if priority is not None:
            dependency, weight, exclusive = priority
            payload = struct.pack('>IB', dependency | (0x80000000 if exclusive else 0), weight - 1) + payload
            flags |= PRIORITY_FLAG
        if pad is not None:
            pad_length, padding = pad
            payload = bytes([pad_length]) + payload + padding
            flags |= PADDED
        self.send_frame(HEADERS, flags, stream_id, payload)

    def continuation(self, stream_id, block, end_headers=True):
        self.send_frame(CONTINUATION, END_HEADERS if end_headers else 0, stream_id, block)

    def data(self, stream_id, payload, end_stream=False, pad=None):
        flags = END_STREAM if end_stream else 0
        if pad is not None:
            pad_length, padding = pad
            payload = bytes([pad_length]) + payload + padding
            flags |= PADDED
        self.send_frame(DATA, flags, stream_id, payload)

    def settings(self, pairs=(), flags=0, stream_id=0):
        self.send_frame(SETTINGS, flags, stream_id, b''.join(struct.pack('>HI', key, value) for key, value in pairs))

    def priority(self, stream_id, dependency, weight=16, exclusive=False):
        self.send_frame(PRIORITY, 0, stream_id,
                        struct.pack('>IB', dependency | (0x80000000 if exclusive else 0), weight - 1))

    def rst(self, stream_id, code='CANCEL'):
        self.send_frame(RST_STREAM, 0, stream_id, struct.pack('>I', ERROR_CODES[code]))

    def ping(self, payload=b'h2spec!!', flags=0, stream_id=0):
        self.ping_payload = payload
        self.send_frame(PING, flags, stream_id, payload)

    def window_update(self, stream_id, increment):
        self.send_frame(WINDOW_UPDATE, 0, stream_id, struct.pack('>I', increment))

    def goaway(self, last_stream_id=0, code='NO_ERROR', stream_id=0):
        self.send_frame(GOAWAY, 0, stream_id, struct.pack('>II', last_stream_id, ERROR_CODES[code]))

    def preface(self, settings=()):
        self.send(PREFACE)
        self.settings(settings)

    def handshake(self, settings=()):
        """The preface and our SETTINGS; waits for the server's SETTINGS and its ACK of ours."""
        self.preface(settings)
        deadline = time.monotonic() + 5
        while self.server_settings is None or not self.settings_acked:
            received = self.read_frame(deadline)
            if received is None or received == 'eof':
                raise RuntimeError('no SETTINGS exchange: %s' % self.describe())

    # -- receiving

    def _fill(self, n, deadline):
        while len(self.buffer) < n and not self.eof:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, ssl.SSLError, OSError):
                chunk = b''
            if not chunk:
                self.eof = True
            self.buffer += chunk
        return len(self.buffer) >= n

    def read_frame(self, deadline):
        """Reads one frame and does what a client must (ACK SETTINGS and PING);
        returns (type, flags, stream id, payload), None on timeout, 'eof' at EOF."""
        if not self._fill(9, deadline):
            return 'eof' if self.eof else None
        length = struct.unpack('>I', b'\0' + self.buffer[:3])[0]
        if not self._fill(9 + length, deadline + 2):
            return 'eof' if self.eof else None
        frame_type, flags, stream_id = struct.unpack('>BBI', self.buffer[3:9])
        stream_id &= 0x7fffffff
        payload, self.buffer = self.buffer[9:9 + length], self.buffer[9 + length:]
        name = FRAME_NAMES[frame_type] if frame_type < len(FRAME_NAMES) else 'type %d' % frame_type
        description = '%s(stream %d, flags 0x%x' % (name, stream_id, flags)
        if frame_type == SETTINGS and not flags & ACK:
            self.server_settings = dict(struct.unpack('>HI', payload[i:i + 6]) for i in range(0, len(payload), 6))
            self.send_frame(SETTINGS, ACK, 0)
            description += ', %s' % self.server_settings
        elif frame_type == SETTINGS:
            self.settings_acked += 1
        elif frame_type == PING and not flags & ACK:
            self.send_frame(PING, ACK, 0, payload)
        elif frame_type in (RST_STREAM, GOAWAY):
            code = struct.unpack('>I', payload[-4:] if frame_type == RST_STREAM else payload[4:8])[0]
            description += ', %s' % error_name(code)
            if frame_type == GOAWAY:
                self.goaway_last_stream_id = struct.unpack('>I', payload[:4])[0] & 0x7fffffff
                if payload[8:]:
                    description += ', %r' % payload[8:].decode('latin-1')
        elif frame_type in (HEADERS, CONTINUATION):
            block = payload
            if frame_type == HEADERS:
                if flags & PADDED:
                    block = block[1:len(block) - block[0]]
                if flags & PRIORITY_FLAG:
                    block = block[5:]
                self.block = (stream_id, b'')
            self.block = (stream_id, self.block[1] + block)
            if flags & END_HEADERS:
                fields = self.decoder.decode(self.block[1], raw=False)
                self.block = None
                description += ', %s' % fields
                payload = fields
        elif frame_type == DATA:
            description += ', %d bytes' % len(payload)
        self.log.append(description + ')')
        return frame_type, flags, stream_id, payload

    def observe(self, expected, stream_id=None, timeout=OUTCOME_TIMEOUT):
        """What came after the case's frames, as one outcome string (see the
        module's docstring). Sends a probe PING first unless a response is
        expected; a GOAWAY, an RST_STREAM on stream_id (any stream if None), a
        close, or an outcome of an expected kind ends the observation."""
        kinds = {outcome.split(':')[0] for outcome in expected}
        if 'status' not in kinds and 'data' not in kinds and 'ping-ack' not in kinds and not self.eof:
            self.send_frame(PING, 0, 0, PROBE)
        deadline = time.monotonic() + timeout
        alive_at = None
        while True:
            if alive_at is not None and time.monotonic() >= alive_at + GRACE:
                return 'alive'
            received = self.read_frame(min(deadline, alive_at + GRACE) if alive_at else deadline)
            if received is None:
                if alive_at is not None:
                    return 'alive'
                return 'timeout'
            if received == 'eof':
                if 'http1' in kinds and self.buffer.startswith(b'HTTP/'):
                    return 'http1:' + self.buffer.split(b' ', 2)[1].decode('latin-1')
                return 'close'
            frame_type, flags, sid, payload = received
            if frame_type == GOAWAY:
                code = struct.unpack('>I', payload[4:8])[0]
                if code != 0:
                    self._wait_for_close()
                    if not self.eof:
                        return 'goaway:%s+still-open' % error_name(code)
                return 'goaway:%s' % error_name(code)
            if frame_type == RST_STREAM and (stream_id is None or sid == stream_id):
                return 'rst:%s' % error_name(struct.unpack('>I', payload)[0])
            if frame_type == HEADERS and flags & END_HEADERS and sid == stream_id and 'status' in kinds:
                status = dict(payload).get(':status', '')
                if not status.startswith('1'):
                    return 'status:%s' % status
            if frame_type == DATA and sid == stream_id and 'data' in kinds:
                return 'data:%d' % len(payload)
            if frame_type == SETTINGS and flags & ACK and 'settings-ack' in kinds:
                return 'settings-ack'
            if frame_type == PING and flags & ACK:
                if payload == PROBE:
                    alive_at = time.monotonic()
                elif 'ping-ack' in kinds and payload == self.ping_payload:
                    return 'ping-ack'

    def _wait_for_close(self):
        deadline = time.monotonic() + CLOSE_TIMEOUT
        while not self.eof and time.monotonic() < deadline:
            if self.read_frame(deadline) is None:
                break

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def describe(self):
        return '[%s] %s' % ('EOF' if self.eof else 'open', '; '.join(self.log[-8:]) or 'no frames')


# -- the cases

class Case:
    def __init__(self, section, name, sends, expected, run):
        self.section = section
        self.name = name
        self.sends = sends
        self.expected = expected
        self.run = run

    @property
    def id(self):
        return '%s/%s' % (self.section, self.name)

    @property
    def group(self):
        return group_of(self.section)


CASES = []


def case(section, sends, expected):
    """Declares a case: section is 'RFC 9113 section' or 'hpack N.N' (RFC 7541),
    sends says what it sends, expected is an outcome or a set of outcomes."""
    def declare(function):
        CASES.append(Case(section, function.__name__.strip('_').replace('_', '-'), sends,
                          {expected} if isinstance(expected, str) else set(expected), function))
        return function
    return declare


def group_of(section):
    if section.startswith('hpack'):
        return 'hpack'
    major, _, rest = section.partition('.')
    minor = rest.split('.')[0]
    if major == '3':
        return '3_preface'
    if major == '4':
        return '4_frame_format'
    if major == '5':
        return '5_1_stream_states' if section == '5.1' else '5_streams'
    if major == '6':
        return {'1': '6_1_data', '2': '6_2_headers', '3': '6_3_priority', '4': '6_4_rst_stream',
                '5': '6_5_settings', '6': '8_4_push', '7': '6_7_ping', '8': '6_8_goaway',
                '9': '6_9_window_update', '10': '6_10_continuation'}[minor]
    if major == '8':
        return {'1': '8_1_messages', '2': '8_2_fields', '3': '8_3_pseudo_headers', '4': '8_4_push',
                '5': '8_3_pseudo_headers'}[minor]
    raise ValueError('no group for section %s' % section)


CONNECTION_ERROR = {'goaway:PROTOCOL_ERROR'}


def stream_or_connection(code):
    """A stream error of type code, which RFC 9113 §5.4.1 lets an endpoint
    treat as a connection error (libnghttp2 does for some, e.g. WINDOW_UPDATE
    with increment 0 on a stream): the set h2spec accepts."""
    return {'rst:' + code, 'goaway:' + code}


def malformed(c, headers, end_stream=True):
    """Sends a request on stream 1 that RFC 9113 §8.1.1 calls malformed."""
    c.handshake()
    c.headers(1, headers, end_stream=end_stream)
    return c.observe(MALFORMED, 1)


# A malformed request is a stream error PROTOCOL_ERROR (RFC 9113 §8.1.1);
# the server must never hand it to a handler.
MALFORMED = {'rst:PROTOCOL_ERROR'}


def open_then_probe_hello(c, stream_id):
    """A GET / on stream_id must still be answered (the connection survived)."""
    c.headers(stream_id)
    return c.observe({'status:200'}, stream_id)


# 3. Starting HTTP/2

@case('3.4', 'the client preface and an empty SETTINGS', 'settings-ack')
def preface_valid(c):
    c.preface()
    return c.observe({'settings-ack'})


@case('3.4', 'the server\'s first frame', 'SETTINGS')
def server_preface_is_settings(c):
    c.preface()
    received = c.read_frame(time.monotonic() + OUTCOME_TIMEOUT)
    return FRAME_NAMES[received[0]] if isinstance(received, tuple) else str(received)


@case('3.4', 'a corrupted client magic', {'goaway:PROTOCOL_ERROR', 'close', 'http1:400', 'http1:505'})
def preface_invalid(c):
    c.send(b'PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n' + frame(SETTINGS, 0, 0))
    return c.observe({'goaway:PROTOCOL_ERROR', 'close', 'http1:400'})


@case('3.4', 'the client magic followed by a PING instead of SETTINGS', 'goaway:PROTOCOL_ERROR')
def preface_without_settings(c):
    c.send(PREFACE + frame(PING, 0, 0, b'12345678'))
    return c.observe(CONNECTION_ERROR)


@case('3.4', 'the client magic followed by a SETTINGS ACK', 'goaway:PROTOCOL_ERROR')
def preface_settings_ack_first(c):
    c.send(PREFACE + frame(SETTINGS, ACK, 0))
    return c.observe(CONNECTION_ERROR)


@case('3.4', 'the client magic followed by HEADERS instead of SETTINGS', 'goaway:PROTOCOL_ERROR')
def preface_headers_first(c):
    c.send(PREFACE + frame(HEADERS, END_STREAM | END_HEADERS, 1, header_block(c.request())))
    return c.observe(CONNECTION_ERROR)


@case('3.4', 'the preface and a GET / in one write', 'status:200')
def preface_and_request_together(c):
    c.send(PREFACE + frame(SETTINGS, 0, 0) + frame(HEADERS, END_STREAM | END_HEADERS, 1, header_block(c.request())))
    return c.observe({'status:200'}, 1)


# 4.1 Frame format

@case('4.1', 'a frame of unknown type 0x16', 'alive')
def unknown_frame_type(c):
    c.handshake()
    c.send_frame(0x16, 0, 0, b'\0' * 8)
    return c.observe({'alive'})


@case('4.1', 'a PING with undefined flags 0x16 set', 'ping-ack')
def undefined_flags(c):
    c.handshake()
    c.ping(b'flags!!!', flags=0x16 & ~ACK)
    return c.observe({'ping-ack'})


@case('4.1', 'a PING with the reserved bit of the stream id set', 'ping-ack')
def reserved_bit(c):
    c.handshake()
    c.ping(b'reservd!', stream_id=0x80000000)
    return c.observe({'ping-ack'})


@case('4.1', 'HEADERS with the reserved bit of the stream id set', 'status:200')
def reserved_bit_headers(c):
    c.handshake()
    c.headers(0x80000001)
    return c.observe({'status:200'}, 1)


# 4.2 Frame size

@case('4.2', 'DATA of 16384 octets (SETTINGS_MAX_FRAME_SIZE)', 'status:200')
def data_max_frame_size(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST'), end_stream=False)
    c.data(1, b'x' * 16384, end_stream=True)
    return c.observe({'status:200'}, 1)


@case('4.2', 'DATA of 16385 octets (above SETTINGS_MAX_FRAME_SIZE)', stream_or_connection('FRAME_SIZE_ERROR'))
def data_too_large(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST'), end_stream=False)
    c.data(1, b'x' * 16385)
    return c.observe(stream_or_connection('FRAME_SIZE_ERROR'), 1)


@case('4.2', 'HEADERS of 16385 octets (above SETTINGS_MAX_FRAME_SIZE)', 'goaway:FRAME_SIZE_ERROR')
def headers_too_large(c):
    c.handshake()
    block = header_block(c.request())
    filler = header_block([('x-filler', 'f' * (16385 - len(block) - 12))])
    block += filler + b'\x00' * (16385 - len(block) - len(filler))
    c.headers(1, block=block[:16385])
    return c.observe({'goaway:FRAME_SIZE_ERROR'}, 1)


@case('4.2', 'a SETTINGS frame of 16386 octets (above SETTINGS_MAX_FRAME_SIZE)', 'goaway:FRAME_SIZE_ERROR')
def settings_too_large(c):
    c.handshake()
    c.settings([(0x20, 0)] * 2731)
    return c.observe({'goaway:FRAME_SIZE_ERROR'})


@case('4.2', 'a frame whose length field is 16 MiB - 1, with 4 bytes of it sent', 'goaway:FRAME_SIZE_ERROR')
def huge_length_field(c):
    c.handshake()
    c.send(b'\xff\xff\xff' + struct.pack('>BBI', DATA, 0, 1) + b'abcd')
    return c.observe({'goaway:FRAME_SIZE_ERROR'})


# 4.3 Header compression and decoding

@case('4.3', 'HEADERS whose block is not valid HPACK (a truncated literal)', 'goaway:COMPRESSION_ERROR')
def invalid_header_block(c):
    c.handshake()
    c.headers(1, block=header_block(c.request()) + b'\x00\x85abc')
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('4.3', 'a PRIORITY frame between HEADERS and its CONTINUATION', 'goaway:PROTOCOL_ERROR')
def priority_inside_header_block(c):
    c.handshake()
    block = header_block(c.request())
    c.headers(1, block=block[:10], end_headers=False)
    c.priority(3, 0)
    c.continuation(1, block[10:])
    return c.observe(CONNECTION_ERROR, 1)


@case('4.3', 'HEADERS on another stream between HEADERS and its CONTINUATION', 'goaway:PROTOCOL_ERROR')
def headers_inside_header_block(c):
    c.handshake()
    block = header_block(c.request())
    c.headers(1, block=block[:10], end_headers=False)
    c.headers(3)
    return c.observe(CONNECTION_ERROR, 1)


@case('4.3', 'a header block split over HEADERS and CONTINUATION, decoded as one', 'status:200')
def header_block_across_frames(c):
    c.handshake()
    block = header_block(c.request())
    c.headers(1, block=block[:3], end_headers=False)
    c.continuation(1, block[3:])
    return c.observe({'status:200'}, 1)


@case('4.3', 'a header block whose decoding fails on a stream that is then refused', 'goaway:COMPRESSION_ERROR')
def invalid_block_after_reset(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300'))
    c.rst(1)
    c.headers(3, block=indexed(70))
    return c.observe({'goaway:COMPRESSION_ERROR'}, 3)


# 5.1 Stream states

@case('5.1', 'DATA on an idle stream', 'goaway:PROTOCOL_ERROR')
def idle_data(c):
    c.handshake()
    c.data(1, b'x')
    return c.observe(CONNECTION_ERROR)


@case('5.1', 'RST_STREAM on an idle stream', 'goaway:PROTOCOL_ERROR')
def idle_rst_stream(c):
    c.handshake()
    c.rst(1)
    return c.observe(CONNECTION_ERROR)


@case('5.1', 'WINDOW_UPDATE on an idle stream', 'goaway:PROTOCOL_ERROR')
def idle_window_update(c):
    c.handshake()
    c.window_update(1, 100)
    return c.observe(CONNECTION_ERROR)


@case('5.1', 'CONTINUATION on an idle stream', 'goaway:PROTOCOL_ERROR')
def idle_continuation(c):
    c.handshake()
    c.continuation(1, header_block(c.request()))
    return c.observe(CONNECTION_ERROR)


@case('5.1', 'PRIORITY on an idle stream (allowed), then a request on it', 'status:200')
def idle_priority(c):
    c.handshake()
    c.priority(1, 0)
    c.headers(1)
    return c.observe({'status:200'}, 1)


@case('5.1', 'PUSH_PROMISE-less WINDOW_UPDATE on an even (server) idle stream', 'goaway:PROTOCOL_ERROR')
def idle_even_window_update(c):
    c.handshake()
    c.window_update(2, 100)
    return c.observe(CONNECTION_ERROR)


@case('5.1', 'DATA on a half-closed (remote) stream', stream_or_connection('STREAM_CLOSED'))
def half_closed_data(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=500'))
    c.data(1, b'x')
    return c.observe(stream_or_connection('STREAM_CLOSED'), 1)


@case('5.1', 'HEADERS on a half-closed (remote) stream', stream_or_connection('STREAM_CLOSED'))
def half_closed_headers(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=500'))
    c.headers(1, [('x-trailer', '1')])
    return c.observe(stream_or_connection('STREAM_CLOSED'), 1)


@case('5.1', 'CONTINUATION on a half-closed (remote) stream',
      {'rst:STREAM_CLOSED', 'goaway:STREAM_CLOSED', 'goaway:PROTOCOL_ERROR'})
def half_closed_continuation(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=500'))
    c.continuation(1, header_block([('x-trailer', '1')]))
    return c.observe({'rst:STREAM_CLOSED', 'goaway:STREAM_CLOSED', 'goaway:PROTOCOL_ERROR'}, 1)


@case('5.1', 'WINDOW_UPDATE on a half-closed (remote) stream (allowed)', 'status:200')
def half_closed_window_update(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=100'))
    c.window_update(1, 1000)
    return c.observe({'status:200'}, 1)


@case('5.1', 'PRIORITY on a half-closed (remote) stream (allowed)', 'status:200')
def half_closed_priority(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=100'))
    c.priority(1, 0, 100)
    return c.observe({'status:200'}, 1)


@case('5.1', 'RST_STREAM on a half-closed (remote) stream (allowed)', 'alive')
def half_closed_rst_stream(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300'))
    c.rst(1)
    return c.observe({'alive'}, 1)


def closed_by_rst(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300'), end_stream=False)
    c.rst(1)


def closed_by_end_stream(c):
    c.handshake()
    c.headers(1)
    c.observe({'status:200'}, 1)
    deadline = time.monotonic() + OUTCOME_TIMEOUT
    while not any(entry.startswith('DATA(stream 1, flags 0x1') for entry in c.log):
        if not isinstance(c.read_frame(deadline), tuple):
            break


@case('5.1', 'DATA on a stream the client reset', stream_or_connection('STREAM_CLOSED'))
def closed_data_after_rst(c):
    closed_by_rst(c)
    c.data(1, b'x')
    return c.observe(stream_or_connection('STREAM_CLOSED'), 1)


@case('5.1', 'HEADERS on a stream the client reset', stream_or_connection('STREAM_CLOSED'))
def closed_headers_after_rst(c):
    closed_by_rst(c)
    c.headers(1)
    return c.observe(stream_or_connection('STREAM_CLOSED'), 1)


@case('5.1', 'CONTINUATION on a stream the client reset',
      {'rst:STREAM_CLOSED', 'goaway:STREAM_CLOSED', 'goaway:PROTOCOL_ERROR'})
def closed_continuation_after_rst(c):
    closed_by_rst(c)
    c.continuation(1, header_block([('x-a', 'b')]))
    return c.observe({'rst:STREAM_CLOSED', 'goaway:STREAM_CLOSED', 'goaway:PROTOCOL_ERROR'}, 1)


@case('5.1', 'DATA on a stream closed by END_STREAM both ways', 'goaway:STREAM_CLOSED')
def closed_data_after_end_stream(c):
    closed_by_end_stream(c)
    c.data(1, b'x')
    return c.observe({'goaway:STREAM_CLOSED'}, 1)


@case('5.1', 'HEADERS on a stream closed by END_STREAM both ways', 'goaway:STREAM_CLOSED')
def closed_headers_after_end_stream(c):
    closed_by_end_stream(c)
    c.headers(1)
    return c.observe({'goaway:STREAM_CLOSED'}, 1)


@case('5.1', 'CONTINUATION on a stream closed by END_STREAM', {'goaway:PROTOCOL_ERROR', 'goaway:STREAM_CLOSED'})
def closed_continuation_after_end_stream(c):
    closed_by_end_stream(c)
    c.continuation(1, header_block([('x-a', 'b')]))
    return c.observe({'goaway:PROTOCOL_ERROR', 'goaway:STREAM_CLOSED'}, 1)


@case('5.1', 'PRIORITY on a closed stream (allowed)', 'alive')
def closed_priority(c):
    closed_by_end_stream(c)
    c.priority(1, 0)
    return c.observe({'alive'}, 1)


@case('5.1', 'WINDOW_UPDATE on a stream just closed by END_STREAM (allowed briefly)', 'alive')
def closed_window_update(c):
    closed_by_end_stream(c)
    c.window_update(1, 100)
    return c.observe({'alive'}, 1)


@case('5.1', 'RST_STREAM on a stream just closed by END_STREAM (allowed briefly)', 'alive')
def closed_rst_stream(c):
    closed_by_end_stream(c)
    c.rst(1)
    return c.observe({'alive'}, 1)


def closed_by_server_rst(c):
    """Stream 1 reset by the server (its DATA overran its content-length),
    then stream 3 opened: stream 1 is closed and below the highest id."""
    c.handshake()
    c.headers(1, c.request('/sink', 'POST', [('content-length', '1')]), end_stream=False)
    c.data(1, b'xy')
    seen = c.observe({'rst:PROTOCOL_ERROR'}, 1)
    if seen != 'rst:PROTOCOL_ERROR':
        return seen
    c.headers(3, c.request('/slow?ms=100'))
    return None


@case('5.1', 'DATA on a stream the server reset, after a later stream opened (ignored)', 'status:200')
def closed_by_server_data(c):
    failed = closed_by_server_rst(c)
    if failed:
        return failed
    c.data(1, b'late')
    return c.observe({'status:200'}, 3)


@case('5.1', 'trailers on a stream the server reset, after a later stream opened (ignored)', 'status:200')
def closed_by_server_trailers(c):
    failed = closed_by_server_rst(c)
    if failed:
        return failed
    c.headers(1, [('x-trailer', 'late')])
    return c.observe({'status:200'}, 3)


# 5.1.1 Stream identifiers

@case('5.1.1', 'HEADERS on an even-numbered stream', 'goaway:PROTOCOL_ERROR')
def even_stream_id(c):
    c.handshake()
    c.headers(2)
    return c.observe(CONNECTION_ERROR, 2)


@case('5.1.1', 'HEADERS on stream 5, then on stream 3', 'goaway:PROTOCOL_ERROR')
def stream_id_lower_than_previous(c):
    c.handshake()
    c.headers(5)
    c.headers(3)
    return c.observe(CONNECTION_ERROR, 3)


@case('5.1.1', 'HEADERS reusing stream 1 after it closed', 'goaway:STREAM_CLOSED')
def stream_id_reused(c):
    closed_by_end_stream(c)
    c.headers(1)
    return c.observe({'goaway:STREAM_CLOSED', 'goaway:PROTOCOL_ERROR'}, 1)


@case('5.1.1', 'HEADERS on stream 2^31-1 (the largest id)', 'status:200')
def largest_stream_id(c):
    c.handshake()
    c.headers(0x7fffffff)
    return c.observe({'status:200'}, 0x7fffffff)


@case('5.1.1', 'HEADERS on stream 7, skipping 1-5 (they close implicitly), then PRIORITY on 3 (allowed)', 'alive')
def skipped_stream_ids(c):
    c.handshake()
    c.headers(7)
    c.observe({'status:200'}, 7)
    c.priority(3, 0)
    return c.observe({'alive'}, 3)


@case('5.1.1', 'DATA on stream 3, skipped (closed) when stream 5 opened', stream_or_connection('STREAM_CLOSED'))
def skipped_stream_data(c):
    c.handshake()
    c.headers(5, c.request('/slow?ms=300'))
    c.data(3, b'x')
    return c.observe(stream_or_connection('STREAM_CLOSED') | CONNECTION_ERROR, 3)


# 5.1.2 Stream concurrency

@case('5.1.2', 'one stream more than SETTINGS_MAX_CONCURRENT_STREAMS',
      {'rst:PROTOCOL_ERROR', 'rst:REFUSED_STREAM', 'goaway:PROTOCOL_ERROR'})
def concurrency_exceeded(c):
    c.handshake()
    limit = c.server_settings.get(MAX_CONCURRENT_STREAMS)
    if limit is None or limit > 200:
        return 'no usable SETTINGS_MAX_CONCURRENT_STREAMS: %r' % limit
    for i in range(limit):
        c.headers(1 + 2 * i, c.request('/echo', 'POST'), end_stream=False)
    last = 1 + 2 * limit
    c.headers(last, c.request('/echo', 'POST'), end_stream=False)
    return c.observe({'rst:PROTOCOL_ERROR', 'rst:REFUSED_STREAM', 'goaway:PROTOCOL_ERROR'}, last)


@case('5.1.2', 'SETTINGS_MAX_CONCURRENT_STREAMS streams at once, all served', 'status:200')
def concurrency_at_limit(c):
    c.handshake()
    limit = c.server_settings.get(MAX_CONCURRENT_STREAMS)
    if limit is None or limit > 200:
        return 'no usable SETTINGS_MAX_CONCURRENT_STREAMS: %r' % limit
    for i in range(limit):
        c.headers(1 + 2 * i)
    statuses = {}
    deadline = time.monotonic() + OUTCOME_TIMEOUT
    while len(statuses) < limit:
        received = c.read_frame(deadline)
        if not isinstance(received, tuple):
            return 'only %d responses: %s' % (len(statuses), c.describe())
        frame_type, flags, sid, payload = received
        if frame_type == HEADERS and flags & END_HEADERS:
            statuses[sid] = 'status:' + dict(payload).get(':status', '')
        elif frame_type in (RST_STREAM, GOAWAY):
            return c.describe()
    return ' '.join(sorted(set(statuses.values())))


# 5.3 Priority (RFC 9113 deprecates the scheme; the frames are still parsed)

@case('5.3.1', 'HEADERS whose priority depends on its own stream', stream_or_connection('PROTOCOL_ERROR'))
def headers_depends_on_itself(c):
    c.handshake()
    c.headers(1, priority=(1, 16, False))
    return c.observe(stream_or_connection('PROTOCOL_ERROR'), 1)


@case('5.3.1', 'PRIORITY whose stream depends on itself', stream_or_connection('PROTOCOL_ERROR'))
def priority_depends_on_itself(c):
    c.handshake()
    c.priority(1, 1)
    return c.observe(stream_or_connection('PROTOCOL_ERROR'), 1)


@case('5.3.1', 'HEADERS with an exclusive dependency on an idle stream and weight 256', 'status:200')
def headers_exclusive_priority(c):
    c.handshake()
    c.headers(1, priority=(9, 256, True))
    return c.observe({'status:200'}, 1)


# 5.4 Error handling

@case('5.4.1', 'a PING of 6 octets (connection error), then the server must close', 'goaway:FRAME_SIZE_ERROR')
def connection_error_closes(c):
    c.handshake()
    c.send_frame(PING, 0, 0, b'123456')
    return c.observe({'goaway:FRAME_SIZE_ERROR'})


@case('5.4.1', 'after a served stream 1, a connection error: GOAWAY names stream 1 as the last',
      'goaway:PROTOCOL_ERROR last=1')
def goaway_last_stream_id(c):
    c.handshake()
    c.headers(1)
    c.observe({'status:200'}, 1)
    c.send_frame(PING, 0, 3, b'12345678')
    outcome = c.observe(CONNECTION_ERROR)
    return outcome + ' last=%s' % c.goaway_last_stream_id


@case('5.4.2', 'a stream error (PROTOCOL_ERROR) leaves the connection usable', 'status:200')
def stream_error_keeps_connection(c):
    c.handshake()
    c.headers(1, c.request(omit=(':method',)))
    c.observe(MALFORMED, 1)
    return open_then_probe_hello(c, 3)


# 5.5 Extending HTTP/2

@case('5.5', 'an unknown extension frame (type 0xff) on a stream', 'alive')
def unknown_extension_frame(c):
    c.handshake()
    c.send_frame(0xff, 0xff, 1, b'extension')
    return c.observe({'alive'})


@case('5.5', 'an unknown extension frame inside a header block', 'goaway:PROTOCOL_ERROR')
def unknown_extension_in_header_block(c):
    c.handshake()
    block = header_block(c.request())
    c.headers(1, block=block[:10], end_headers=False)
    c.send_frame(0x16, 0, 1, b'\0' * 8)
    c.continuation(1, block[10:])
    return c.observe(CONNECTION_ERROR, 1)


@case('5.5', 'an unknown SETTINGS identifier (0xff)', 'settings-ack')
def unknown_settings_identifier(c):
    c.handshake()
    c.settings([(0xff, 1)])
    return c.observe({'settings-ack'})


# 6.1 DATA

@case('6.1', 'DATA on stream 0', 'goaway:PROTOCOL_ERROR')
def data_stream_zero(c):
    c.handshake()
    c.data(0, b'x')
    return c.observe(CONNECTION_ERROR)


@case('6.1', 'DATA whose pad length exceeds its payload', 'goaway:PROTOCOL_ERROR')
def data_invalid_pad_length(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST'), end_stream=False)
    c.data(1, b'abc', pad=(10, b''))
    return c.observe(CONNECTION_ERROR, 1)


@case('6.1', 'DATA of 5 octets whose pad length is 5 (the padding fills the payload)', 'goaway:PROTOCOL_ERROR')
def data_pad_length_equals_length(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST'), end_stream=False)
    c.send_frame(DATA, PADDED, 1, b'\x05abcd')
    return c.observe(CONNECTION_ERROR, 1)


@case('6.1', 'padded DATA (pad length 8) with END_STREAM: only the data counts', 'status:200 body=5')
def data_padded(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST'), end_stream=False)
    c.data(1, b'hello', end_stream=True, pad=(8, b'\0' * 8))
    status = c.observe({'status:200'}, 1)
    body = read_body(c, 1)
    return '%s body=%s' % (status, body.decode('latin-1'))


@case('6.1', 'DATA frames of 0, 1 and 100 bytes, then an empty one with END_STREAM', 'status:200 body=101')
def data_multiple_frames(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST'), end_stream=False)
    for chunk in (b'', b'x', b'y' * 100):
        c.data(1, chunk)
    c.data(1, b'', end_stream=True)
    status = c.observe({'status:200'}, 1)
    return '%s body=%s' % (status, read_body(c, 1).decode('latin-1'))


@case('6.1', 'DATA with a padding of 255 bytes of zeros (the maximum)', 'status:200 body=1')
def data_max_padding(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST'), end_stream=False)
    c.data(1, b'z', end_stream=True, pad=(255, b'\0' * 255))
    status = c.observe({'status:200'}, 1)
    return '%s body=%s' % (status, read_body(c, 1).decode('latin-1'))


@case('6.1', 'DATA beyond the stream\'s flow-control window', stream_or_connection('FLOW_CONTROL_ERROR'))
def data_exceeds_window(c):
    c.handshake([(MAX_FRAME_SIZE, 16384)])
    window = c.server_settings.get(INITIAL_WINDOW_SIZE, 65535)
    c.headers(1, c.request('/slow?ms=1000', 'POST'), end_stream=False)
    chunk = b'w' * 16384
    sent = 0
    while sent <= window and not c.send_failed:
        c.data(1, chunk)
        sent += len(chunk)
    return c.observe(stream_or_connection('FLOW_CONTROL_ERROR'), 1)


def read_body(c, stream_id, timeout=OUTCOME_TIMEOUT):
    """The DATA received on stream_id up to END_STREAM (from the log's frames)."""
    body = b''
    deadline = time.monotonic() + timeout
    done = False
    while not done:
        received = c.read_frame(deadline)
        if not isinstance(received, tuple):
            break
        frame_type, flags, sid, payload = received
        if sid == stream_id and frame_type == DATA:
            if flags & PADDED:
                payload = payload[1:len(payload) - payload[0]]
            body += payload
            done = bool(flags & END_STREAM)
        elif sid == stream_id and frame_type in (HEADERS, RST_STREAM):
            done = frame_type == RST_STREAM or bool(flags & END_STREAM)
    return body


# 6.2 HEADERS

@case('6.2', 'HEADERS on stream 0', 'goaway:PROTOCOL_ERROR')
def headers_stream_zero(c):
    c.handshake()
    c.headers(0)
    return c.observe(CONNECTION_ERROR)


@case('6.2', 'HEADERS whose pad length exceeds its payload', 'goaway:PROTOCOL_ERROR')
def headers_invalid_pad_length(c):
    c.handshake()
    c.headers(1, pad=(255, b''))
    return c.observe(CONNECTION_ERROR, 1)


@case('6.2', 'padded HEADERS (pad length 10)', 'status:200')
def headers_padded(c):
    c.handshake()
    c.headers(1, pad=(10, b'\0' * 10))
    return c.observe({'status:200'}, 1)


@case('6.2', 'HEADERS with the PRIORITY flag (dependency 0, weight 256)', 'status:200')
def headers_with_priority(c):
    c.handshake()
    c.headers(1, priority=(0, 256, False))
    return c.observe({'status:200'}, 1)


@case('6.2', 'padded HEADERS with the PRIORITY flag', 'status:200')
def headers_padded_with_priority(c):
    c.handshake()
    c.headers(1, priority=(0, 1, False), pad=(3, b'\0\0\0'))
    return c.observe({'status:200'}, 1)


@case('6.2', 'HEADERS with the PRIORITY flag but fewer than 5 octets', {'goaway:FRAME_SIZE_ERROR',
                                                                       'goaway:PROTOCOL_ERROR'})
def headers_priority_too_short(c):
    c.handshake()
    c.send_frame(HEADERS, END_HEADERS | END_STREAM | PRIORITY_FLAG, 1, b'\0\0\0')
    return c.observe({'goaway:FRAME_SIZE_ERROR', 'goaway:PROTOCOL_ERROR'}, 1)


@case('6.2', 'HEADERS without END_HEADERS, then a PRIORITY frame', 'goaway:PROTOCOL_ERROR')
def headers_then_priority(c):
    c.handshake()
    c.headers(1, end_headers=False)
    c.priority(1, 0)
    return c.observe(CONNECTION_ERROR, 1)


@case('6.2', 'HEADERS without END_HEADERS, then DATA on the same stream', 'goaway:PROTOCOL_ERROR')
def headers_then_data(c):
    c.handshake()
    c.headers(1, end_headers=False, end_stream=False)
    c.data(1, b'x')
    return c.observe(CONNECTION_ERROR, 1)


@case('6.2', 'HEADERS without END_HEADERS, then HEADERS on another stream', 'goaway:PROTOCOL_ERROR')
def headers_then_other_headers(c):
    c.handshake()
    c.headers(1, end_headers=False)
    c.headers(3)
    return c.observe(CONNECTION_ERROR, 1)


@case('6.2', 'HEADERS with END_STREAM and a request body stream (HEAD, no body) ', 'status:200')
def headers_head_request(c):
    c.handshake()
    c.headers(1, c.request('/head', 'HEAD'))
    return c.observe({'status:200'}, 1)


# 6.3 PRIORITY

@case('6.3', 'PRIORITY on stream 0', 'goaway:PROTOCOL_ERROR')
def priority_stream_zero(c):
    c.handshake()
    c.priority(0, 1)
    return c.observe(CONNECTION_ERROR)


@case('6.3', 'PRIORITY of 4 octets', stream_or_connection('FRAME_SIZE_ERROR'))
def priority_short(c):
    c.handshake()
    c.send_frame(PRIORITY, 0, 1, b'\0\0\0\0')
    return c.observe(stream_or_connection('FRAME_SIZE_ERROR'), 1)


@case('6.3', 'PRIORITY of 6 octets on an open stream', stream_or_connection('FRAME_SIZE_ERROR'))
def priority_long(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300'), end_stream=False)
    c.send_frame(PRIORITY, 0, 1, b'\0\0\0\0\0\0')
    return c.observe(stream_or_connection('FRAME_SIZE_ERROR'), 1)


@case('6.3', 'PRIORITY with weight 1 on an open stream', 'status:200')
def priority_weight_1(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=50'))
    c.priority(1, 0, 1)
    return c.observe({'status:200'}, 1)


@case('6.3', 'PRIORITY with weight 256 on an open stream', 'status:200')
def priority_weight_256(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=50'))
    c.priority(1, 0, 256)
    return c.observe({'status:200'}, 1)


@case('6.3', 'PRIORITY making stream 3 depend exclusively on stream 1', 'status:200')
def priority_exclusive(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=50'))
    c.priority(3, 1, 16, True)
    c.headers(3)
    return c.observe({'status:200'}, 3)


@case('6.3', 'PRIORITY for many idle streams (the server bounds what it keeps)', 'alive')
def priority_many_idle(c):
    c.handshake()
    c.send(b''.join(frame(PRIORITY, 0, 2 * i + 1, struct.pack('>IB', 0, 15)) for i in range(50)))
    return c.observe({'alive'})


# 6.4 RST_STREAM

@case('6.4', 'RST_STREAM on stream 0', 'goaway:PROTOCOL_ERROR')
def rst_stream_zero(c):
    c.handshake()
    c.rst(0)
    return c.observe(CONNECTION_ERROR)


@case('6.4', 'RST_STREAM on an idle stream', 'goaway:PROTOCOL_ERROR')
def rst_stream_idle(c):
    c.handshake()
    c.rst(3)
    return c.observe(CONNECTION_ERROR)


@case('6.4', 'RST_STREAM of 3 octets', 'goaway:FRAME_SIZE_ERROR')
def rst_stream_short(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300'), end_stream=False)
    c.send_frame(RST_STREAM, 0, 1, b'\0\0\x08')
    return c.observe({'goaway:FRAME_SIZE_ERROR'}, 1)


@case('6.4', 'RST_STREAM of 5 octets', 'goaway:FRAME_SIZE_ERROR')
def rst_stream_long(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300'), end_stream=False)
    c.send_frame(RST_STREAM, 0, 1, b'\0\0\0\x08\0')
    return c.observe({'goaway:FRAME_SIZE_ERROR'}, 1)


@case('6.4', 'RST_STREAM(CANCEL) on an open stream: no further frames on it, the connection lives', 'alive')
def rst_stream_open(c):
    c.handshake()
    c.headers(1, c.request('/stream?bytes=1000000'))
    c.rst(1)
    return c.observe({'alive'})


@case('6.4', 'RST_STREAM with an unknown error code (0xff)', 'alive')
def rst_stream_unknown_code(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300'), end_stream=False)
    c.send_frame(RST_STREAM, 0, 1, struct.pack('>I', 0xff))
    return c.observe({'alive'})


# 6.5 SETTINGS

@case('6.5', 'SETTINGS with ACK and a payload', 'goaway:FRAME_SIZE_ERROR')
def settings_ack_with_payload(c):
    c.handshake()
    c.send_frame(SETTINGS, ACK, 0, struct.pack('>HI', INITIAL_WINDOW_SIZE, 100))
    return c.observe({'goaway:FRAME_SIZE_ERROR'})


@case('6.5', 'SETTINGS on stream 1', 'goaway:PROTOCOL_ERROR')
def settings_on_stream(c):
    c.handshake()
    c.settings([(INITIAL_WINDOW_SIZE, 100)], stream_id=1)
    return c.observe(CONNECTION_ERROR)


@case('6.5', 'SETTINGS of 3 octets (not a multiple of 6)', 'goaway:FRAME_SIZE_ERROR')
def settings_bad_length(c):
    c.handshake()
    c.send_frame(SETTINGS, 0, 0, b'\0\x04\0')
    return c.observe({'goaway:FRAME_SIZE_ERROR'})


@case('6.5', 'SETTINGS of 7 octets', 'goaway:FRAME_SIZE_ERROR')
def settings_bad_length_7(c):
    c.handshake()
    c.send_frame(SETTINGS, 0, 0, struct.pack('>HI', INITIAL_WINDOW_SIZE, 100) + b'\0')
    return c.observe({'goaway:FRAME_SIZE_ERROR'})


@case('6.5', 'an empty SETTINGS after the preface', 'settings-ack')
def settings_empty(c):
    c.handshake()
    c.settings()
    return c.observe({'settings-ack'})


@case('6.5', 'a SETTINGS ACK for no SETTINGS (RFC 9113 is silent; our choice, from libnghttp2)',
      'goaway:PROTOCOL_ERROR')
def settings_unsolicited_ack(c):
    c.handshake()
    c.send_frame(SETTINGS, ACK, 0)
    return c.observe(CONNECTION_ERROR)


def setting_accepted(c, key, value):
    c.handshake()
    c.settings([(key, value)])
    return c.observe({'settings-ack'})


def setting_rejected(c, key, value, code='PROTOCOL_ERROR'):
    c.handshake()
    c.settings([(key, value)])
    return c.observe({'goaway:' + code})


@case('6.5.2', 'SETTINGS_HEADER_TABLE_SIZE 0', 'settings-ack')
def header_table_size_0(c):
    return setting_accepted(c, HEADER_TABLE_SIZE, 0)


@case('6.5.2', 'SETTINGS_HEADER_TABLE_SIZE 0, then a request: the response needs no dynamic table', 'status:200')
def header_table_size_0_then_request(c):
    c.handshake([(HEADER_TABLE_SIZE, 0)])
    c.headers(1)
    return c.observe({'status:200'}, 1)


@case('6.5.2', 'SETTINGS_HEADER_TABLE_SIZE 2^32-1', 'settings-ack')
def header_table_size_max(c):
    return setting_accepted(c, HEADER_TABLE_SIZE, 0xffffffff)


@case('6.5.2', 'SETTINGS_ENABLE_PUSH 0', 'settings-ack')
def enable_push_0(c):
    return setting_accepted(c, ENABLE_PUSH, 0)


@case('6.5.2', 'SETTINGS_ENABLE_PUSH 1', 'settings-ack')
def enable_push_1(c):
    return setting_accepted(c, ENABLE_PUSH, 1)


@case('6.5.2', 'SETTINGS_ENABLE_PUSH 2', 'goaway:PROTOCOL_ERROR')
def enable_push_2(c):
    return setting_rejected(c, ENABLE_PUSH, 2)


@case('6.5.2', 'SETTINGS_MAX_CONCURRENT_STREAMS 0 (limits the server\'s pushes only)', 'settings-ack')
def max_concurrent_streams_0(c):
    return setting_accepted(c, MAX_CONCURRENT_STREAMS, 0)


@case('6.5.2', 'SETTINGS_INITIAL_WINDOW_SIZE 2^31-1', 'settings-ack')
def initial_window_size_max(c):
    return setting_accepted(c, INITIAL_WINDOW_SIZE, 0x7fffffff)


@case('6.5.2', 'SETTINGS_INITIAL_WINDOW_SIZE 2^31', 'goaway:FLOW_CONTROL_ERROR')
def initial_window_size_too_large(c):
    return setting_rejected(c, INITIAL_WINDOW_SIZE, 0x80000000, 'FLOW_CONTROL_ERROR')


@case('6.5.2', 'SETTINGS_MAX_FRAME_SIZE 16384', 'settings-ack')
def max_frame_size_min(c):
    return setting_accepted(c, MAX_FRAME_SIZE, 16384)


@case('6.5.2', 'SETTINGS_MAX_FRAME_SIZE 2^24-1', 'settings-ack')
def max_frame_size_max(c):
    return setting_accepted(c, MAX_FRAME_SIZE, 0xffffff)


@case('6.5.2', 'SETTINGS_MAX_FRAME_SIZE 16383', 'goaway:PROTOCOL_ERROR')
def max_frame_size_too_small(c):
    return setting_rejected(c, MAX_FRAME_SIZE, 16383)


@case('6.5.2', 'SETTINGS_MAX_FRAME_SIZE 2^24', 'goaway:PROTOCOL_ERROR')
def max_frame_size_too_large(c):
    return setting_rejected(c, MAX_FRAME_SIZE, 0x1000000)


@case('6.5.2', 'SETTINGS_MAX_HEADER_LIST_SIZE 0 (advisory)', 'settings-ack')
def max_header_list_size_0(c):
    return setting_accepted(c, MAX_HEADER_LIST_SIZE, 0)


@case('6.5.2', 'SETTINGS_MAX_FRAME_SIZE 2^24-1, then /stream of 100000 bytes: DATA frames may grow',
      'status:200 body=100000')
def max_frame_size_used(c):
    c.handshake([(MAX_FRAME_SIZE, 0xffffff), (INITIAL_WINDOW_SIZE, 1 << 20)])
    c.window_update(0, 1 << 20)
    c.headers(1, c.request('/stream?bytes=100000'))
    status = c.observe({'status:200'}, 1)
    return '%s body=%d' % (status, len(read_body(c, 1)))


@case('6.5.2', 'SETTINGS_ENABLE_CONNECT_PROTOCOL 1 from a client (RFC 8441 §3: meaningless, allowed)',
      'settings-ack')
def enable_connect_protocol_1(c):
    return setting_accepted(c, ENABLE_CONNECT_PROTOCOL, 1)


@case('6.5.2', 'SETTINGS_ENABLE_CONNECT_PROTOCOL 2 (RFC 8441 §3)', 'goaway:PROTOCOL_ERROR')
def enable_connect_protocol_2(c):
    return setting_rejected(c, ENABLE_CONNECT_PROTOCOL, 2)


@case('6.5.2', 'SETTINGS_NO_RFC7540_PRIORITIES 1 in the first SETTINGS (RFC 9218 §2.1), then a request',
      'status:200')
def no_rfc7540_priorities_1(c):
    c.handshake([(NO_RFC7540_PRIORITIES, 1)])
    c.headers(1)
    return c.observe({'status:200'}, 1)


@case('6.5.2', 'SETTINGS_NO_RFC7540_PRIORITIES 2 in the first SETTINGS (RFC 9218 §2.1)', 'goaway:PROTOCOL_ERROR')
def no_rfc7540_priorities_2(c):
    c.preface([(NO_RFC7540_PRIORITIES, 2)])
    return c.observe(CONNECTION_ERROR)


@case('6.5.2', 'SETTINGS_NO_RFC7540_PRIORITIES changed from 0 (implied) to 1 after the first SETTINGS '
      '(RFC 9218 §2.1: MAY be a connection error)', 'goaway:PROTOCOL_ERROR')
def no_rfc7540_priorities_changed(c):
    return setting_rejected(c, NO_RFC7540_PRIORITIES, 1)


@case('6.5.3', 'SETTINGS_INITIAL_WINDOW_SIZE 100 then 1 in one frame: the last value wins', 'data:1')
def settings_last_value_wins(c):
    c.handshake([(INITIAL_WINDOW_SIZE, 100), (INITIAL_WINDOW_SIZE, 1)])
    c.headers(1, c.request('/stream?bytes=1000'))
    return c.observe({'data:1'}, 1)


@case('6.5.3', 'a SETTINGS frame without ACK is acknowledged', 'settings-ack')
def settings_acknowledged(c):
    c.handshake()
    c.settings([(INITIAL_WINDOW_SIZE, 65535), (MAX_FRAME_SIZE, 16384)])
    return c.observe({'settings-ack'})


# 6.6 PUSH_PROMISE (grouped with 8.4)

@case('6.6', 'PUSH_PROMISE from the client', 'goaway:PROTOCOL_ERROR')
def push_promise_from_client(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300'), end_stream=False)
    c.send_frame(PUSH_PROMISE, END_HEADERS, 1, struct.pack('>I', 2) + header_block(c.request()))
    return c.observe(CONNECTION_ERROR, 1)


@case('6.6', 'PUSH_PROMISE from the client on stream 0', 'goaway:PROTOCOL_ERROR')
def push_promise_stream_zero(c):
    c.handshake()
    c.send_frame(PUSH_PROMISE, END_HEADERS, 0, struct.pack('>I', 2) + header_block(c.request()))
    return c.observe(CONNECTION_ERROR)


@case('6.6', 'PUSH_PROMISE from the client on an idle stream', 'goaway:PROTOCOL_ERROR')
def push_promise_idle(c):
    c.handshake()
    c.send_frame(PUSH_PROMISE, END_HEADERS, 3, struct.pack('>I', 2) + header_block(c.request()))
    return c.observe(CONNECTION_ERROR)


# 6.7 PING

@case('6.7', 'PING: an ACK with the same payload', 'ping-ack')
def ping(c):
    c.handshake()
    c.ping(b'h2spec!!')
    return c.observe({'ping-ack'})


@case('6.7', 'PING with ACK: no answer', 'alive')
def ping_ack_ignored(c):
    c.handshake()
    c.send_frame(PING, ACK, 0, b'unasked!')
    outcome = c.observe({'alive'})
    if any('PING(stream 0, flags 0x1' in entry for entry in c.log[:-1] if 'unasked' in entry):
        return 'the server answered a PING ACK'
    return outcome


@case('6.7', 'PING on stream 1', 'goaway:PROTOCOL_ERROR')
def ping_on_stream(c):
    c.handshake()
    c.ping(stream_id=1)
    return c.observe(CONNECTION_ERROR)


@case('6.7', 'PING of 6 octets', 'goaway:FRAME_SIZE_ERROR')
def ping_short(c):
    c.handshake()
    c.send_frame(PING, 0, 0, b'123456')
    return c.observe({'goaway:FRAME_SIZE_ERROR'})


@case('6.7', 'PING of 9 octets', 'goaway:FRAME_SIZE_ERROR')
def ping_long(c):
    c.handshake()
    c.send_frame(PING, 0, 0, b'123456789')
    return c.observe({'goaway:FRAME_SIZE_ERROR'})


@case('6.7', 'PING with ACK on stream 1', 'goaway:PROTOCOL_ERROR')
def ping_ack_on_stream(c):
    c.handshake()
    c.send_frame(PING, ACK, 1, b'12345678')
    return c.observe(CONNECTION_ERROR)


@case('6.7', '20 PINGs in one write: 20 ACKs in order', 'ping-ack x20')
def ping_many(c):
    c.handshake()
    c.send(b''.join(frame(PING, 0, 0, b'ping%04d' % i) for i in range(20)))
    acks = []
    deadline = time.monotonic() + OUTCOME_TIMEOUT
    while len(acks) < 20:
        received = c.read_frame(deadline)
        if not isinstance(received, tuple):
            break
        if received[0] == PING and received[1] & ACK:
            acks.append(received[3])
    if acks == [b'ping%04d' % i for i in range(20)]:
        return 'ping-ack x20'
    return 'acks %r' % acks


# 6.8 GOAWAY

@case('6.8', 'GOAWAY on stream 1', 'goaway:PROTOCOL_ERROR')
def goaway_on_stream(c):
    c.handshake()
    c.goaway(stream_id=1)
    return c.observe(CONNECTION_ERROR)


@case('6.8', 'GOAWAY of 7 octets', 'goaway:FRAME_SIZE_ERROR')
def goaway_short(c):
    c.handshake()
    c.send_frame(GOAWAY, 0, 0, b'\0' * 7)
    return c.observe({'goaway:FRAME_SIZE_ERROR'})


@case('6.8', 'GOAWAY with debug data while a stream runs: the stream completes', 'status:200')
def goaway_stream_completes(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=200'))
    c.send_frame(GOAWAY, 0, 0, struct.pack('>II', 0, 0) + b'bye')
    return c.observe({'status:200'}, 1)


@case('6.8', 'GOAWAY(NO_ERROR) from the client: the server closes once idle', 'close')
def goaway_then_close(c):
    c.handshake()
    c.goaway()
    deadline = time.monotonic() + OUTCOME_TIMEOUT
    while not c.eof:
        received = c.read_frame(deadline)
        if received is None:
            return 'still open'
        if isinstance(received, tuple) and received[0] not in (GOAWAY, SETTINGS, WINDOW_UPDATE, PING):
            return 'unexpected frame: %s' % c.describe()
    return 'close'


@case('6.8', 'GOAWAY with an unknown error code (0xff)', 'close')
def goaway_unknown_code(c):
    c.handshake()
    c.send_frame(GOAWAY, 0, 0, struct.pack('>II', 0, 0xff))
    c.read_frame(time.monotonic() + OUTCOME_TIMEOUT)
    c._wait_for_close()
    return 'close' if c.eof else 'still open'


# 6.9 WINDOW_UPDATE

@case('6.9', 'WINDOW_UPDATE with increment 0 on the connection', 'goaway:PROTOCOL_ERROR')
def window_update_zero_connection(c):
    c.handshake()
    c.window_update(0, 0)
    return c.observe(CONNECTION_ERROR)


@case('6.9', 'WINDOW_UPDATE with increment 0 on an open stream', stream_or_connection('PROTOCOL_ERROR'))
def window_update_zero_stream(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300'), end_stream=False)
    c.window_update(1, 0)
    return c.observe(stream_or_connection('PROTOCOL_ERROR'), 1)


@case('6.9', 'WINDOW_UPDATE with increment 0 on a half-closed (remote) stream',
      stream_or_connection('PROTOCOL_ERROR'))
def window_update_zero_half_closed(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300'))
    c.window_update(1, 0)
    return c.observe(stream_or_connection('PROTOCOL_ERROR'), 1)


@case('6.9', 'WINDOW_UPDATE of 3 octets', 'goaway:FRAME_SIZE_ERROR')
def window_update_short(c):
    c.handshake()
    c.send_frame(WINDOW_UPDATE, 0, 0, b'\0\0\x01')
    return c.observe({'goaway:FRAME_SIZE_ERROR'})


@case('6.9', 'WINDOW_UPDATE of 5 octets', 'goaway:FRAME_SIZE_ERROR')
def window_update_long(c):
    c.handshake()
    c.send_frame(WINDOW_UPDATE, 0, 0, b'\0\0\0\x01\0')
    return c.observe({'goaway:FRAME_SIZE_ERROR'})


@case('6.9', 'WINDOW_UPDATE with the reserved bit set (ignored; increment 1)', 'alive')
def window_update_reserved_bit(c):
    c.handshake()
    c.window_update(0, 0x80000001)
    return c.observe({'alive'})


@case('6.9.1', 'SETTINGS_INITIAL_WINDOW_SIZE 1, then a GET: one byte of DATA', 'data:1')
def window_one_byte(c):
    c.handshake([(INITIAL_WINDOW_SIZE, 1)])
    c.headers(1, c.request('/stream?bytes=1000'))
    return c.observe({'data:1'}, 1)


@case('6.9.1', 'WINDOW_UPDATEs taking the connection window above 2^31-1', 'goaway:FLOW_CONTROL_ERROR')
def connection_window_overflow(c):
    c.handshake()
    c.window_update(0, 0x7fffffff)
    c.window_update(0, 0x7fffffff)
    return c.observe({'goaway:FLOW_CONTROL_ERROR'})


@case('6.9.1', 'WINDOW_UPDATEs taking a stream window above 2^31-1', stream_or_connection('FLOW_CONTROL_ERROR'))
def stream_window_overflow(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300'))
    c.window_update(1, 0x7fffffff)
    c.window_update(1, 0x7fffffff)
    return c.observe(stream_or_connection('FLOW_CONTROL_ERROR'), 1)


@case('6.9.1', 'a WINDOW_UPDATE taking the connection window to exactly 2^31-1', 'alive')
def connection_window_at_max(c):
    c.handshake()
    c.window_update(0, 0x7fffffff - 65535)
    return c.observe({'alive'})


@case('6.9.2', 'SETTINGS_INITIAL_WINDOW_SIZE 0, GET, then raised to 1000: DATA comes', 'data:1000')
def initial_window_raised(c):
    c.handshake([(INITIAL_WINDOW_SIZE, 0)])
    c.headers(1, c.request('/stream?bytes=5000'))
    c.observe({'status:200'}, 1)
    c.settings([(INITIAL_WINDOW_SIZE, 1000)])
    return c.observe({'data:1000'}, 1)


@case('6.9.2', 'SETTINGS_INITIAL_WINDOW_SIZE lowered below what was sent (negative window): no DATA until '
      'WINDOW_UPDATE', 'data:1')
def initial_window_negative(c):
    c.handshake([(INITIAL_WINDOW_SIZE, 100)])
    c.headers(1, c.request('/stream?bytes=5000'))
    c.observe({'data:100'}, 1)
    c.settings([(INITIAL_WINDOW_SIZE, 0)])
    c.observe({'settings-ack'})
    c.settings([(INITIAL_WINDOW_SIZE, 1)])
    c.observe({'settings-ack'})
    # the window is now 1 - 100 = -99: a WINDOW_UPDATE of 100 makes it 1
    c.window_update(1, 100)
    return c.observe({'data:1'}, 1)


@case('6.9.2', 'SETTINGS_INITIAL_WINDOW_SIZE making an open stream\'s window exceed 2^31-1',
      {'goaway:FLOW_CONTROL_ERROR', 'rst:FLOW_CONTROL_ERROR'})
def initial_window_overflow_open_stream(c):
    c.handshake()
    # the handler sleeps: the server sends no DATA that would shrink the window meanwhile
    c.headers(1, c.request('/slow?ms=500'))
    c.window_update(1, 0x7fffffff - 65535)
    c.settings([(INITIAL_WINDOW_SIZE, 65536)])
    return c.observe({'goaway:FLOW_CONTROL_ERROR', 'rst:FLOW_CONTROL_ERROR'}, 1)


# 6.10 CONTINUATION

@case('6.10', 'HEADERS and two CONTINUATION frames', 'status:200')
def continuation_multiple(c):
    c.handshake()
    block = header_block(c.request())
    c.headers(1, block=block[:5], end_headers=False)
    c.continuation(1, block[5:12], end_headers=False)
    c.continuation(1, block[12:])
    return c.observe({'status:200'}, 1)


@case('6.10', 'HEADERS and an empty CONTINUATION ending the block', 'status:200')
def continuation_empty(c):
    c.handshake()
    c.headers(1, end_headers=False)
    c.continuation(1, b'')
    return c.observe({'status:200'}, 1)


@case('6.10', 'a CONTINUATION followed by a frame other than CONTINUATION', 'goaway:PROTOCOL_ERROR')
def continuation_then_data(c):
    c.handshake()
    block = header_block(c.request())
    c.headers(1, block=block[:5], end_headers=False, end_stream=False)
    c.continuation(1, block[5:12], end_headers=False)
    c.data(1, b'x', end_stream=True)
    return c.observe(CONNECTION_ERROR, 1)


@case('6.10', 'CONTINUATION on stream 0', 'goaway:PROTOCOL_ERROR')
def continuation_stream_zero(c):
    c.handshake()
    block = header_block(c.request())
    c.headers(1, block=block[:5], end_headers=False)
    c.continuation(0, block[5:])
    return c.observe(CONNECTION_ERROR, 1)


@case('6.10', 'CONTINUATION on another stream than its HEADERS', 'goaway:PROTOCOL_ERROR')
def continuation_other_stream(c):
    c.handshake()
    block = header_block(c.request())
    c.headers(1, block=block[:5], end_headers=False)
    c.continuation(3, block[5:])
    return c.observe(CONNECTION_ERROR, 1)


@case('6.10', 'CONTINUATION after a HEADERS with END_HEADERS', 'goaway:PROTOCOL_ERROR')
def continuation_after_end_headers(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300'), end_stream=False)
    c.continuation(1, header_block([('x-a', 'b')]))
    return c.observe(CONNECTION_ERROR, 1)


@case('6.10', 'CONTINUATION after a CONTINUATION with END_HEADERS', 'goaway:PROTOCOL_ERROR')
def continuation_after_continuation_end(c):
    c.handshake()
    block = header_block(c.request('/slow?ms=300'))
    c.headers(1, block=block[:5], end_headers=False, end_stream=False)
    c.continuation(1, block[5:])
    c.continuation(1, header_block([('x-a', 'b')]))
    return c.observe(CONNECTION_ERROR, 1)


@case('6.10', 'CONTINUATION after DATA', 'goaway:PROTOCOL_ERROR')
def continuation_after_data(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST'), end_stream=False)
    c.data(1, b'x')
    c.continuation(1, header_block([('x-a', 'b')]))
    return c.observe(CONNECTION_ERROR, 1)


@case('6.10', 'HEADERS without END_HEADERS, then PING', 'goaway:PROTOCOL_ERROR')
def headers_then_ping(c):
    c.handshake()
    c.headers(1, end_headers=False)
    c.ping()
    return c.observe(CONNECTION_ERROR, 1)


@case('6.10', 'HEADERS without END_HEADERS and 100 empty CONTINUATIONs (a flood, RFC 9113 §10.5)',
      'goaway:ENHANCE_YOUR_CALM')
def continuation_many_empty(c):
    c.handshake()
    block = header_block(c.request())
    c.headers(1, block=block[:5], end_headers=False)
    c.send(frame(CONTINUATION, 0, 1) * 100 + frame(CONTINUATION, END_HEADERS, 1, block[5:]))
    return c.observe({'goaway:ENHANCE_YOUR_CALM'}, 1)


# 8.1 HTTP message framing

@case('8.1', 'GET / : the whole exchange', 'status:200 body=Hello, world\n')
def get(c):
    c.handshake()
    c.headers(1)
    status = c.observe({'status:200'}, 1)
    return '%s body=%s' % (status, read_body(c, 1).decode('latin-1'))


@case('8.1', 'HEAD /head', 'status:200')
def head(c):
    c.handshake()
    c.headers(1, c.request('/head', 'HEAD'))
    return c.observe({'status:200'}, 1)


@case('8.1', 'POST /echo with a body', 'status:200 body=posted')
def post(c):
    c.handshake()
    c.headers(1, c.request('/echo', 'POST'), end_stream=False)
    c.data(1, b'posted', end_stream=True)
    status = c.observe({'status:200'}, 1)
    return '%s body=%s' % (status, read_body(c, 1).decode('latin-1'))


@case('8.1', 'POST with trailers', 'status:200')
def post_with_trailers(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST'), end_stream=False)
    c.data(1, b'posted')
    c.headers(1, [('x-trailer', 'yes')])
    return c.observe({'status:200'}, 1)


@case('8.1', 'trailers (a second HEADERS) without END_STREAM', stream_or_connection('PROTOCOL_ERROR'))
def trailers_without_end_stream(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST'), end_stream=False)
    c.data(1, b'posted')
    c.headers(1, [('x-trailer', 'yes')], end_stream=False)
    return c.observe(stream_or_connection('PROTOCOL_ERROR'), 1)


@case('8.1', 'a second HEADERS after trailers', stream_or_connection('STREAM_CLOSED'))
def headers_after_trailers(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300', 'POST'), end_stream=False)
    c.headers(1, [('x-trailer', 'yes')])
    c.headers(1, [('x-trailer', 'again')])
    return c.observe(stream_or_connection('STREAM_CLOSED'), 1)


@case('8.1', 'an interim 1xx-style HEADERS from the client (no :method) before the request', MALFORMED)
def headers_without_request(c):
    return malformed(c, [('x-info', '1')])


@case('8.1.1', 'content-length 10 and 5 bytes of DATA', MALFORMED)
def content_length_more(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST', [('content-length', '10')]), end_stream=False)
    c.data(1, b'hello', end_stream=True)
    return c.observe(MALFORMED, 1)


@case('8.1.1', 'content-length 2 and 5 bytes of DATA', MALFORMED)
def content_length_less(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST', [('content-length', '2')]), end_stream=False)
    c.data(1, b'hello', end_stream=True)
    return c.observe(MALFORMED, 1)


@case('8.1.1', 'content-length 4 and DATA frames of 2 and 3 bytes', MALFORMED)
def content_length_multiple_frames(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST', [('content-length', '4')]), end_stream=False)
    c.data(1, b'he')
    c.data(1, b'llo', end_stream=True)
    return c.observe(MALFORMED, 1)


@case('8.1.1', 'content-length 5 on a HEADERS with END_STREAM (no body)', MALFORMED)
def content_length_without_body(c):
    return malformed(c, c.request('/sink', 'POST', [('content-length', '5')]))


@case('8.1.1', 'content-length 5 and exactly 5 bytes', 'status:200')
def content_length_exact(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST', [('content-length', '5')]), end_stream=False)
    c.data(1, b'hel')
    c.data(1, b'lo', end_stream=True)
    return c.observe({'status:200'}, 1)


@case('8.1.1', 'a content-length that is not a number', MALFORMED)
def content_length_not_a_number(c):
    return malformed(c, c.request('/sink', 'POST', [('content-length', 'five')]))


@case('8.1.1', 'two different content-length fields', MALFORMED)
def content_length_twice(c):
    return malformed(c, c.request('/sink', 'POST', [('content-length', '5'), ('content-length', '6')]),
                     end_stream=False)


@case('8.1.1', 'a negative content-length', MALFORMED)
def content_length_negative(c):
    return malformed(c, c.request('/sink', 'POST', [('content-length', '-1')]))


# 8.2 HTTP fields

def field_case(section, sends, field, expected=None):
    """Declares a case sending GET / with one extra field."""
    expected = expected or MALFORMED

    def run(c):
        c.handshake()
        c.headers(1, c.request(extra=[field]))
        return c.observe(set(expected) | {'status:200'}, 1)
    run.__name__ = sends
    CASES.append(Case(section, sends, 'GET / with %r' % (field,), set(expected), run))


field_case('8.2', 'upper-case-name', ('X-Upper', 'a'))
field_case('8.2', 'upper-case-in-middle-of-name', ('x-uPper', 'a'))
field_case('8.2', 'empty-name', ('', 'a'))
field_case('8.2', 'empty-value', ('x-empty', ''), {'status:200'})
field_case('8.2.1', 'nul-in-value', ('x-a', 'a\0b'))
field_case('8.2.1', 'cr-in-value', ('x-a', 'a\rb'))
field_case('8.2.1', 'lf-in-value', ('x-a', 'a\nb'))
field_case('8.2.1', 'crlf-in-value', ('x-a', 'a\r\nx-injected: 1'))
field_case('8.2.1', 'leading-space-in-value', ('x-a', ' a'))
field_case('8.2.1', 'trailing-space-in-value', ('x-a', 'a '))
field_case('8.2.1', 'leading-tab-in-value', ('x-a', '\ta'))
field_case('8.2.1', 'trailing-tab-in-value', ('x-a', 'a\t'))
field_case('8.2.1', 'inner-space-and-tab-in-value', ('x-a', 'a b\tc'), {'status:200'})
field_case('8.2.1', 'obs-text-in-value', ('x-a', 'caf\xe9'), {'status:200'})
field_case('8.2.1', 'nul-in-name', ('x-a\0b', 'a'))
field_case('8.2.1', 'cr-in-name', ('x-a\rb', 'a'))
field_case('8.2.1', 'lf-in-name', ('x-a\nb', 'a'))
field_case('8.2.1', 'space-in-name', ('x a', 'a'))
field_case('8.2.1', 'colon-inside-name', ('x:a', 'a'))
field_case('8.2.1', 'del-in-name', ('x-a\x7f', 'a'))
field_case('8.2.1', 'non-ascii-in-name', ('x-\xe9', 'a'))
field_case('8.2.1', 'separator-in-name', ('x(a)', 'a'))
field_case('8.2.2', 'connection-header', ('connection', 'keep-alive'))
field_case('8.2.2', 'keep-alive-header', ('keep-alive', 'timeout=5'))
field_case('8.2.2', 'proxy-connection-header', ('proxy-connection', 'keep-alive'))
field_case('8.2.2', 'transfer-encoding-header', ('transfer-encoding', 'chunked'))
field_case('8.2.2', 'upgrade-header', ('upgrade', 'h2c'))
field_case('8.2.2', 'te-gzip', ('te', 'gzip'))
field_case('8.2.2', 'te-trailers-and-gzip', ('te', 'trailers, gzip'))
field_case('8.2.2', 'te-trailers', ('te', 'trailers'), {'status:200'})
field_case('8.2.3', 'cookie', ('cookie', 'a=b'), {'status:200'})


@case('8.2.3', 'cookie crumbs in separate fields reach the handler joined', 'status:200 cookies=c1=v1; c2=v2')
def cookie_crumbs(c):
    c.handshake()
    c.headers(1, c.request('/headers', extra=[('cookie', 'c1=v1'), ('cookie', 'c2=v2')]))
    status = c.observe({'status:200'}, 1)
    body = read_body(c, 1).decode('latin-1')
    cookies = sorted(line.split(':', 1)[1] for line in body.splitlines() if line.startswith('cookie:'))
    return '%s cookies=%s' % (status, '; '.join(cookies))


@case('8.2', 'a request whose header list exceeds SETTINGS_MAX_HEADER_LIST_SIZE', 'status:431')
def header_list_too_large(c):
    c.handshake()
    limit = c.server_settings.get(MAX_HEADER_LIST_SIZE, 1 << 20)
    fields = [('x-big-%d' % i, 'v' * 8000) for i in range(limit // 8000 + 2)]
    if len(header_block(fields)) > 8 * 16384:
        return 'SETTINGS_MAX_HEADER_LIST_SIZE %d needs more than 8 CONTINUATIONs' % limit
    block = header_block(c.request(extra=fields))
    c.headers(1, block=block[:16384], end_headers=len(block) <= 16384)
    for offset in range(16384, len(block), 16384):
        c.continuation(1, block[offset:offset + 16384], end_headers=offset + 16384 >= len(block))
    return c.observe({'status:431'}, 1)


# 8.3 Pseudo-header fields

@case('8.3', 'an unknown pseudo-header (:foo)', MALFORMED)
def unknown_pseudo_header(c):
    return malformed(c, c.request(extra=[(':foo', 'bar')]))


@case('8.3', 'a response pseudo-header (:status) in a request', MALFORMED)
def status_in_request(c):
    return malformed(c, c.request(extra=[(':status', '200')]))


@case('8.3', 'a pseudo-header after a regular field', MALFORMED)
def pseudo_after_regular(c):
    headers = c.request()
    return malformed(c, headers[:3] + [('x-a', 'b')] + headers[3:])


@case('8.3', 'a pseudo-header in trailers', MALFORMED | {'goaway:PROTOCOL_ERROR'})
def pseudo_in_trailers(c):
    c.handshake()
    c.headers(1, c.request('/sink', 'POST'), end_stream=False)
    c.data(1, b'x')
    c.headers(1, [(':method', 'POST')])
    return c.observe(MALFORMED | {'goaway:PROTOCOL_ERROR'}, 1)


@case('8.3', 'an empty-named pseudo-header (":")', MALFORMED)
def empty_pseudo_header(c):
    return malformed(c, c.request(extra=[(':', 'x')]))


def pseudo_case(sends, omit=(), extra=(), replace=None, expected=None, method='GET', path='/'):
    def run(c):
        headers = c.request(path, method, omit=omit)
        if replace:
            headers = [(name, replace.get(name, value)) for name, value in headers]
        authority = '127.0.0.1:%d' % c.port
        headers += [(name, authority if value == 'AUTHORITY' else value) for name, value in extra]
        c.handshake()
        c.headers(1, headers)
        return c.observe(set(expected or MALFORMED) | {'status:200', 'status:400', 'status:404'}, 1)
    CASES.append(Case('8.3.1', sends, 'a request %s' % sends.replace('-', ' '), set(expected or MALFORMED), run))


pseudo_case('without-method', omit=(':method',))
pseudo_case('without-scheme', omit=(':scheme',))
pseudo_case('without-path', omit=(':path',))
pseudo_case('with-empty-path', replace={':path': ''})
pseudo_case('with-empty-method', replace={':method': ''})
pseudo_case('with-empty-scheme', replace={':scheme': ''})
pseudo_case('with-duplicate-method', extra=[(':method', 'GET')])
pseudo_case('with-duplicate-scheme', extra=[(':scheme', 'http')])
pseudo_case('with-duplicate-path', extra=[(':path', '/')])
pseudo_case('with-duplicate-authority', extra=[(':authority', 'other.example')])
pseudo_case('with-method-containing-space', replace={':method': 'GE T'})
pseudo_case('with-path-star-for-get', path='*')
pseudo_case('with-path-star-for-options', path='*', method='OPTIONS', expected={'status:404'})
pseudo_case('with-path-not-starting-with-slash', path='index.html')
# An http(s) URI always has a host (RFC 9110 §4.2.1); without it the request is malformed.
pseudo_case('without-authority-or-host', omit=(':authority',))
pseudo_case('with-host-instead-of-authority', omit=(':authority',), extra=[('host', '127.0.0.1')],
            expected={'status:200'})
pseudo_case('with-host-equal-to-authority', extra=[('host', 'AUTHORITY')], expected={'status:200'})
pseudo_case('with-host-differing-from-authority', extra=[('host', 'other.example')])
pseudo_case('with-path-and-query', path='/?a=b&c=d', expected={'status:200'})
pseudo_case('with-unknown-method', method='BREW', expected={'status:200'})


@case('8.3.1', 'an empty :path never reaches a handler (never a 200)', MALFORMED)
def empty_path_never_200(c):
    c.handshake()
    c.headers(1, [(':method', 'GET'), (':scheme', 'http'), (':authority', 'x'), (':path', '')])
    return c.observe(MALFORMED | {'status:200'}, 1)


# 8.5 CONNECT

@case('8.5', 'CONNECT with :authority only (well-formed; the server does not tunnel)', 'status:405')
def connect_valid(c):
    c.handshake()
    c.headers(1, [(':method', 'CONNECT'), (':authority', 'example.com:443')], end_stream=False)
    return c.observe({'status:405', 'status:501'}, 1)


@case('8.5', 'CONNECT with :scheme', MALFORMED)
def connect_with_scheme(c):
    return malformed(c, [(':method', 'CONNECT'), (':scheme', 'https'), (':authority', 'example.com:443')],
                     end_stream=False)


@case('8.5', 'CONNECT with :path', MALFORMED)
def connect_with_path(c):
    return malformed(c, [(':method', 'CONNECT'), (':path', '/'), (':authority', 'example.com:443')],
                     end_stream=False)


@case('8.5', 'CONNECT without :authority', MALFORMED)
def connect_without_authority(c):
    return malformed(c, [(':method', 'CONNECT')], end_stream=False)


@case('8.5', ':protocol (RFC 8441) although the server did not enable extended CONNECT', MALFORMED)
def protocol_without_setting(c):
    c.handshake()
    if c.server_settings.get(ENABLE_CONNECT_PROTOCOL) == 1:
        return 'the server enables extended CONNECT; this case assumes it does not'
    c.headers(1, [(':method', 'CONNECT'), (':protocol', 'websocket'), (':scheme', 'http'), (':path', '/'),
                  (':authority', 'x')], end_stream=False)
    return c.observe(MALFORMED, 1)


@case('8.5', ':protocol on a GET', MALFORMED)
def protocol_on_get(c):
    return malformed(c, c.request(extra=[(':protocol', 'websocket')]))


# 8.4 Server push

@case('8.4', 'SETTINGS_ENABLE_PUSH 0 and a request: no PUSH_PROMISE ever', 'status:200')
def no_push_when_disabled(c):
    c.handshake([(ENABLE_PUSH, 0)])
    c.headers(1)
    outcome = c.observe({'status:200'}, 1)
    read_body(c, 1)
    if any(entry.startswith('PUSH_PROMISE') for entry in c.log):
        return 'PUSH_PROMISE sent: %s' % c.describe()
    return outcome


@case('8.4', 'PUSH_PROMISE from the client on a half-closed stream', 'goaway:PROTOCOL_ERROR')
def push_promise_half_closed(c):
    c.handshake()
    c.headers(1, c.request('/slow?ms=300'))
    c.send_frame(PUSH_PROMISE, END_HEADERS, 1, struct.pack('>I', 2) + header_block(c.request()))
    return c.observe(CONNECTION_ERROR, 1)


# RFC 7541 HPACK

@case('hpack 2.3.1', 'a request using only static-table indexes (:method GET, :path /, :scheme)', 'status:200')
def hpack_static_indexes(c):
    c.handshake()
    scheme = indexed(7) if c.tls else indexed(6)
    c.headers(1, block=indexed(2) + scheme + indexed(4) + literal(':authority', 'x'))
    return c.observe({'status:200'}, 1)


@case('hpack 2.3.2', 'a literal with incremental indexing, then its dynamic index (62) in the next request',
      'status:200')
def hpack_dynamic_table(c):
    c.handshake()
    scheme = indexed(7) if c.tls else indexed(6)
    c.headers(1, block=indexed(2) + scheme + indexed(4) + b'\x40' + hpack_string(':authority') +
              hpack_string('x'))
    c.observe({'status:200'}, 1)
    c.headers(3, block=indexed(2) + scheme + indexed(4) + indexed(62))
    return c.observe({'status:200'}, 3)


@case('hpack 2.3.3', 'an indexed field beyond the static table with an empty dynamic table (62)',
      'goaway:COMPRESSION_ERROR')
def hpack_index_beyond_tables(c):
    c.handshake()
    c.headers(1, block=indexed(2) + indexed(62))
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 2.3.3', 'a literal whose indexed name is beyond both tables (70)', 'goaway:COMPRESSION_ERROR')
def hpack_literal_bad_name_index(c):
    c.handshake()
    c.headers(1, block=indexed(2) + hpack_int(70, 4, 0x00) + hpack_string('v'))
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 2.3.3', 'an incremental-indexing literal whose indexed name is beyond both tables',
      'goaway:COMPRESSION_ERROR')
def hpack_indexing_literal_bad_name_index(c):
    c.handshake()
    c.headers(1, block=indexed(2) + hpack_int(100, 6, 0x40) + hpack_string('v'))
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 2.3.3', 'a never-indexed literal whose indexed name is beyond both tables',
      'goaway:COMPRESSION_ERROR')
def hpack_never_indexed_bad_name_index(c):
    c.handshake()
    c.headers(1, block=indexed(2) + hpack_int(100, 4, 0x10) + hpack_string('v'))
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 4.2', 'a dynamic table size update above SETTINGS_HEADER_TABLE_SIZE (4096)', 'goaway:COMPRESSION_ERROR')
def hpack_table_size_update_too_large(c):
    c.handshake()
    c.headers(1, block=table_size_update(4097) + header_block(c.request()))
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 4.2', 'a dynamic table size update to 0, then referencing an evicted entry',
      'goaway:COMPRESSION_ERROR')
def hpack_evicted_entry(c):
    c.handshake()
    c.headers(1, block=header_block(c.request()) + b'\x40' + hpack_string('x-a') + hpack_string('b'))
    first = c.observe({'status:200'}, 1)
    if first != 'status:200':
        return 'the request adding the entry: %s' % first
    c.headers(3, block=table_size_update(0) + header_block(c.request()) + indexed(62))
    return c.observe({'goaway:COMPRESSION_ERROR'}, 3)


@case('hpack 4.2', 'a dynamic table size update to 0 then to 4096 at the start of a block', 'status:200')
def hpack_two_table_size_updates(c):
    c.handshake()
    c.headers(1, block=table_size_update(0) + table_size_update(4096) + header_block(c.request()))
    return c.observe({'status:200'}, 1)


@case('hpack 4.4', 'a 4 KiB field indexed into a 4 KiB table (evicting everything; the entry does not fit)',
      'status:200')
def hpack_entry_larger_than_table(c):
    c.handshake()
    c.headers(1, block=header_block(c.request()) + b'\x40' + hpack_string('x-big') + hpack_string('v' * 4096))
    return c.observe({'status:200'}, 1)


@case('hpack 5.1', 'an integer (index) encoded with too many continuation octets', 'goaway:COMPRESSION_ERROR')
def hpack_integer_overflow(c):
    c.handshake()
    c.headers(1, block=b'\xff' + b'\xff' * 10 + b'\x01')
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 5.1', 'an integer cut off at the end of the block', 'goaway:COMPRESSION_ERROR')
def hpack_integer_truncated(c):
    c.handshake()
    c.headers(1, block=header_block(c.request()) + b'\xff\x80')
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 5.2', 'a string whose length runs past the block', 'goaway:COMPRESSION_ERROR')
def hpack_string_too_long(c):
    c.handshake()
    c.headers(1, block=header_block(c.request()) + b'\x00\x05x-abc\x7f')
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 5.2', 'Huffman-coded strings (valid)', 'status:200')
def hpack_huffman_valid(c):
    c.handshake()
    c.headers(1, block=Encoder().encode(c.request() + [('x-huffman', 'hello huffman')], huffman=True))
    return c.observe({'status:200'}, 1)


HUFFMAN_A = 0b00011  # 'a' is 00011 (5 bits) in RFC 7541 Appendix B


@case('hpack 5.2', 'a Huffman string containing the EOS symbol', 'goaway:COMPRESSION_ERROR')
def hpack_huffman_eos(c):
    c.handshake()
    # 'a' (5 bits) + EOS (30 bits of 1) + 5 bits of 1 padding = 40 bits
    bits = (HUFFMAN_A << 35) | (((1 << 30) - 1) << 5) | 0x1f
    c.headers(1, block=header_block(c.request()) + b'\x00\x03x-a\x85' + bits.to_bytes(5, 'big'))
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 5.2', 'a Huffman string padded with more than 7 bits', 'goaway:COMPRESSION_ERROR')
def hpack_huffman_long_padding(c):
    c.handshake()
    # 'a' (5 bits) + 11 bits of 1: a full octet of padding
    bits = (HUFFMAN_A << 11) | 0x7ff
    c.headers(1, block=header_block(c.request()) + b'\x00\x03x-a\x82' + bits.to_bytes(2, 'big'))
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 5.2', 'a Huffman string padded with zeros (not the EOS prefix)', 'goaway:COMPRESSION_ERROR')
def hpack_huffman_zero_padding(c):
    c.handshake()
    bits = HUFFMAN_A << 3  # 'a' and 3 bits of 0
    c.headers(1, block=header_block(c.request()) + b'\x00\x03x-a\x81' + bits.to_bytes(1, 'big'))
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 6.1', 'an indexed field with index 0', 'goaway:COMPRESSION_ERROR')
def hpack_index_zero(c):
    c.handshake()
    c.headers(1, block=indexed(2) + b'\x80' + header_block(c.request()[1:]))
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 6.2.3', 'never-indexed literals (indexed name and new name)', 'status:200')
def hpack_never_indexed(c):
    c.handshake()
    c.headers(1, block=header_block(c.request()) + hpack_int(32, 4, 0x10) + hpack_string('a=b') + b'\x10' +
              hpack_string('x-secret') + hpack_string('s'))
    return c.observe({'status:200'}, 1)


@case('hpack 6.3', 'a dynamic table size update after a field', 'goaway:COMPRESSION_ERROR')
def hpack_table_size_update_after_field(c):
    c.handshake()
    c.headers(1, block=header_block(c.request()) + table_size_update(100))
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 6.3', 'a dynamic table size update at the start of a CONTINUATION (mid-block)',
      'goaway:COMPRESSION_ERROR')
def hpack_table_size_update_in_continuation(c):
    c.handshake()
    c.headers(1, block=header_block(c.request()), end_headers=False)
    c.continuation(1, table_size_update(100))
    return c.observe({'goaway:COMPRESSION_ERROR'}, 1)


@case('hpack 6.3', 'three dynamic table size updates at the start of a block (an encoder sends at most two; '
      'RFC 7541 §4.2 does not make a third an error)', 'status:200')
def hpack_three_table_size_updates(c):
    c.handshake()
    c.headers(1, block=table_size_update(0) + table_size_update(100) + table_size_update(200) +
              header_block(c.request()))
    return c.observe({'goaway:COMPRESSION_ERROR', 'status:200'}, 1)


# -- running

# Known deviations: case id -> (the outcome seen instead, the reason). A
# deviation whose outcome changes (fixed, or worse) fails, so this list stays true.
DEVIATIONS = {
}


def run_case(case, port, tls):
    connection = None
    try:
        connection = Connection(port, tls)
        seen = case.run(connection)
    except Exception as error:  # a broken case is a failure, with its reason
        seen = 'exception %s: %s' % (type(error).__name__, error)
    finally:
        if connection is not None:
            connection.close()
    return seen, connection


def start_server(binary, tls, certificate_directory):
    arguments = [binary, '--max-concurrent-streams=16', '--max-header-list-size=65536']
    if tls:
        arguments.append('--tls')
        if certificate_directory:
            arguments.append('--certificate-dir=' + certificate_directory)
    server = subprocess.Popen(arguments, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline().strip()
    if not line.startswith('listening'):
        server.kill()
        raise RuntimeError('server did not start: %r' % line)
    return server, int(line.rsplit(':', 1)[1])


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--server')
    parser.add_argument('--port', type=int)
    parser.add_argument('--transport', choices=('h2c', 'tls'), default='h2c')
    parser.add_argument('--group', action='append', default=[])
    parser.add_argument('--case', action='append', default=[])
    parser.add_argument('--list', action='store_true')
    parser.add_argument('--certificate-dir', help='where the TLS server keeps its certificate (made if missing)')
    arguments = parser.parse_args(argv[1:])
    cases = [case for case in CASES if (not arguments.group or case.group in arguments.group)
             and (not arguments.case or case.id in arguments.case or case.name in arguments.case)]
    if arguments.list:
        for case in CASES:
            print('%-20s %-50s %s' % (case.group, case.id, ' | '.join(sorted(case.expected))))
        print('%d cases' % len(CASES))
        return 0
    if not cases:
        print('no cases selected')
        return 2
    tls = arguments.transport == 'tls'
    server = None
    port = arguments.port
    if arguments.server:
        server, port = start_server(arguments.server, tls, arguments.certificate_dir)
    failures = 0
    try:
        for case in cases:
            started = time.monotonic()
            seen, connection = run_case(case, port, tls)
            elapsed = time.monotonic() - started
            deviation = DEVIATIONS.get(case.id)
            if deviation is not None:
                verdict = 'XFAIL' if seen == deviation[0] else 'FAIL'
            else:
                verdict = 'PASS' if seen in case.expected else 'FAIL'
            line = '%-5s %s [%s] %s: expected %s, saw %s (%.2f s)' % (
                verdict, case.id, arguments.transport, case.sends, ' or '.join(sorted(case.expected)), seen, elapsed)
            if deviation is not None:
                line += '; known deviation (%s): %s' % (deviation[0], deviation[1])
            if verdict == 'FAIL':
                failures += 1
                if connection is not None:
                    line += '\n      frames: %s' % connection.describe()
            print(line, flush=True)
            if server is not None and server.poll() is not None:
                print('FAIL  the server exited (%d) after %s' % (server.returncode, case.id))
                return 1
    finally:
        if server is not None:
            server.stdin.close()
            try:
                code = server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                code = 'killed after 20 s'
            if code not in (0, None):
                print('FAIL  the server ended with %s' % code)
                failures += 1
    print('%d cases, %d failed' % (len(cases), failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
