#!/usr/bin/python3
"""Denial-of-service checks of the HTTP/2 server (issue 5).

Usage: dos_attack.py CASE --server=PATH
       dos_attack.py probe PORT          (internal: the well-behaved client)

Each case starts pocoh2_e2e_server (PATH) in a process of its own, starts a
well-behaved client in another process (one GET / on a fresh connection every
100 ms), runs one attack against the server from this process, and checks:

  - the attack is stopped the right way (the GOAWAY code, a 431, a timeout...);
  - the server's CPU seconds (/proc/PID/stat utime + stime) during the attack
    stay under the case's bound;
  - the server's resident set (/proc/PID/status VmRSS, sampled every 20 ms)
    grows by less than the case's bound;
  - every request of the well-behaved client succeeds, each within
    PROBE_LIMIT seconds, and enough of them are made.

Exits 0 when the case passes; otherwise prints what failed and exits 1.
Attack frames are built with hyperframe + hpack (Debian's python3-hyperframe,
python3-hpack); the probe uses python3-h2's state machine, as a real client.
"""

import os
import resource
import select
import socket
import struct
import subprocess
import sys
import threading
import time

from hpack import Decoder, Encoder, NeverIndexedHeaderTuple
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame, PingFrame,
                              RstStreamFrame, SettingsFrame, WindowUpdateFrame)

PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
ERRORS = {0x0: 'NO_ERROR', 0x1: 'PROTOCOL_ERROR', 0x2: 'INTERNAL_ERROR', 0x3: 'FLOW_CONTROL_ERROR',
          0x4: 'SETTINGS_TIMEOUT', 0x5: 'STREAM_CLOSED', 0x6: 'FRAME_SIZE_ERROR', 0x7: 'REFUSED_STREAM',
          0x8: 'CANCEL', 0x9: 'COMPRESSION_ERROR', 0xa: 'CONNECT_ERROR', 0xb: 'ENHANCE_YOUR_CALM',
          0xc: 'INADEQUATE_SECURITY', 0xd: 'HTTP_1_1_REQUIRED'}
ENHANCE_YOUR_CALM = 0xb
REFUSED_STREAM = 0x7
CANCEL = 0x8

PROBE_INTERVAL = 0.1  # seconds between the well-behaved client's requests
PROBE_LIMIT = 2.0     # seconds a request of the well-behaved client may take, at most
MIB = 1024 * 1024


class Fail(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Fail(message)


def error_name(code):
    return ERRORS.get(code, 'UNKNOWN(%d)' % code)


def request_headers(port, path, method='GET'):
    return [(':method', method), (':scheme', 'http'), (':authority', '127.0.0.1:%d' % port), (':path', path)]


# ---- the server process and what it costs

class Server:
    """pocoh2_e2e_server as a child; it exits when its stdin closes."""

    def __init__(self, path, options=()):
        self.process = subprocess.Popen([path] + list(options), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.process.stdout.readline().decode()
        prefix = 'listening cleartext on 127.0.0.1:'
        expect(line.startswith(prefix), 'pocoh2_e2e_server did not start: %r' % line)
        self.port = int(line[len(prefix):])
        self.pid = self.process.pid
        self.peak_rss = 0
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self):
        while self._sampling:
            self.peak_rss = max(self.peak_rss, self.rss())
            time.sleep(0.02)

    def cpu_seconds(self):
        with open('/proc/%d/stat' % self.pid) as stat:
            fields = stat.read().rsplit(')', 1)[1].split()
        # utime and stime are fields 14 and 15 of stat(5); fields[0] is field 3.
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def rss(self):
        try:
            with open('/proc/%d/status' % self.pid) as status:
                for line in status:
                    if line.startswith('VmRSS:'):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def reset_peak(self):
        self.peak_rss = self.rss()

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        self._sampling = False
        try:
            self.process.stdin.close()
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Probe:
    """The well-behaved client: this script in probe mode, in a process of its own
    so that the attack (and its GIL) cannot slow it down."""

    def __init__(self, port):
        self.process = subprocess.Popen([sys.executable, os.path.abspath(__file__), 'probe', str(port)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        expect(self.process.stdout.readline().strip() == 'ready', 'the probe did not start')

    def finish(self):
        """Stops the probe; returns [(seconds, error or None)] of its requests."""
        self.process.stdin.close()
        out = self.process.stdout.read()
        self.process.wait(30)
        results = []
        for line in out.splitlines():
            status, seconds, message = (line.split(' ', 2) + [''])[:3]
            results.append((float(seconds), None if status == 'ok' else message))
        return results


def probe_main(port):
    import h2.config
    import h2.connection
    import h2.events

    def one_request():
        with socket.create_connection(('127.0.0.1', port), timeout=PROBE_LIMIT * 3) as sock:
            connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
            connection.initiate_connection()
            connection.send_headers(1, request_headers(port, '/'), end_stream=True)
            sock.sendall(connection.data_to_send())
            body = b''
            while True:
                data = sock.recv(65536)
                if not data:
                    raise Fail('connection closed before the response ended')
                for event in connection.receive_data(data):
                    if isinstance(event, h2.events.DataReceived):
                        body += event.data
                        connection.acknowledge_received_data(event.flow_controlled_length, 1)
                    elif isinstance(event, h2.events.StreamReset):
                        raise Fail('stream reset: %s' % event.error_code)
                    elif isinstance(event, h2.events.StreamEnded):
                        if body != b'Hello, world\n':
                            raise Fail('unexpected body %r' % body[:100])
                        return
                pending = connection.data_to_send()
                if pending:
                    sock.sendall(pending)

    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print('ready', flush=True)
    while not stop.is_set():
        started = time.monotonic()
        try:
            one_request()
            print('ok %.3f' % (time.monotonic() - started), flush=True)
        except Exception as exc:  # any failure of a well-behaved request is what we report
            print('fail %.3f %s: %s' % (time.monotonic() - started, type(exc).__name__, exc), flush=True)
        stop.wait(max(0.0, PROBE_INTERVAL - (time.monotonic() - started)))
    return 0


# ---- the attacker's connection

class Attacker:
    """A raw connection: sends prebuilt bytes fast, reads the server's frames in a
    thread of its own (so the server's output never blocks, unless reading=False)."""

    def __init__(self, port, reading=True, settings=None):
        self.port = port
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=30)
        self.encoder = Encoder()
        self.decoder = Decoder()
        self.decoder.max_header_list_size = 1 << 24
        self.goaway = None
        self.eof = threading.Event()
        self.frames = {}  # frame type name -> count
        self.rst_codes = {}
        self.statuses = {}
        self.sent = 0
        self.send_error = None
        self._buffer = b''
        self.sock.sendall(PREFACE + SettingsFrame(0, settings=settings or {}).serialize())
        if reading:
            # The server's SETTINGS is read and acknowledged here, before any
            # case sends: only one thread may write, or the ACK could land in
            # the middle of a frame the case is sending.
            while 'SettingsFrame' not in self.frames and self._receive():
                pass
            threading.Thread(target=self._read, daemon=True).start()

    def _receive(self):
        """Reads once and handles the complete frames; False at the end."""
        try:
            data = self.sock.recv(1 << 16)
        except OSError:
            data = b''
        if not data:
            self.eof.set()
            return False
        self._buffer += data
        while len(self._buffer) >= 9:
            frame, length = Frame.parse_frame_header(memoryview(self._buffer[:9]))
            if len(self._buffer) < 9 + length:
                break
            frame.parse_body(memoryview(self._buffer[9:9 + length]))
            self._buffer = self._buffer[9 + length:]
            self._handle(frame)
        return True

    def _read(self):
        while self._receive():
            pass

    def _handle(self, frame):
        name = type(frame).__name__
        self.frames[name] = self.frames.get(name, 0) + 1
        if isinstance(frame, GoAwayFrame) and self.goaway is None:
            self.goaway = frame
        elif isinstance(frame, RstStreamFrame):
            self.rst_codes[frame.error_code] = self.rst_codes.get(frame.error_code, 0) + 1
        elif isinstance(frame, SettingsFrame) and 'ACK' not in frame.flags and self.frames[name] == 1:
            try:
                self.sock.sendall(SettingsFrame(0, flags=['ACK']).serialize())
            except OSError:
                pass
        elif isinstance(frame, HeadersFrame):
            # Every block goes through the decoder, to keep its table in step.
            status = dict(self.decoder.decode(bytes(frame.data))).get(':status')
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def send(self, data, chunk=1 << 16, pause=0):
        """Sends data until done or the server closes, chunk bytes at a time,
        pause seconds apart; returns True if all went."""
        view = memoryview(data)
        try:
            while self.sent < len(view) and not self.eof.is_set():
                self.sent += self.sock.send(view[self.sent:self.sent + chunk])
                if pause:
                    time.sleep(pause)
        except OSError as exc:
            self.send_error = exc
        done = self.sent >= len(view)
        self.sent = 0
        return done

    def wait_closed(self, timeout):
        return self.eof.wait(timeout)

    def goaway_code(self):
        return None if self.goaway is None else self.goaway.error_code

    def expect_goaway(self, code, timeout=10):
        closed = self.wait_closed(timeout)
        expect(self.goaway is not None and self.goaway.error_code == code,
               'expected GOAWAY %s, got %s; frames %s' % (
                   error_name(code), 'none' if self.goaway is None else 'GOAWAY %s (%r)' % (
                       error_name(self.goaway.error_code), bytes(self.goaway.additional_data)), self.frames))
        expect(closed, 'the server sent GOAWAY but did not close the connection within %ss' % timeout)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def headers_frame(self, stream_id, path, method='GET', end_stream=True):
        frame = HeadersFrame(stream_id, data=self.encoder.encode(request_headers(self.port, path, method)),
                             flags=['END_HEADERS'] + (['END_STREAM'] if end_stream else []))
        return frame.serialize()


def header_blocks(attacker, path, method='GET', end_stream=True):
    """The header block of a request twice: as first sent (it fills the
    peer's HPACK table) and as repeated afterwards (indexed fields only)."""
    encode = lambda: attacker.encoder.encode(request_headers(attacker.port, path, method))
    return encode(), encode()


def frames_for_streams(first_id, count, frame_type, flags, payloads, then=None):
    """count serialized frames on streams first_id, first_id+2, ...; payloads
    is (first frame's, the others'); then(stream_id) bytes follow each."""
    out = bytearray()
    for i in range(count):
        stream_id = first_id + 2 * i
        payload = payloads[0] if i == 0 else payloads[1]
        out += struct.pack('>I', len(payload))[1:] + bytes([frame_type, flags]) + struct.pack('>I', stream_id)
        out += payload
        if then:
            out += then(stream_id)
    return bytes(out)


def repeated_headers(attacker, first_id, count, path, method='GET', end_stream=True):
    """count HEADERS frames, a request each, on streams first_id, first_id+2, ..."""
    return frames_for_streams(first_id, count, 0x1, 0x4 | (0x1 if end_stream else 0),
                              header_blocks(attacker, path, method, end_stream))


# ---- the cases

class Case:
    """One attack. The bounds are generous for a loaded 2-core machine; the
    unmitigated attacks exceed them or are stopped the wrong way."""
    descriptors = 1024         # file descriptors the case needs (this process and the server)
    server_options = ()
    cpu_limit = 2.0            # server CPU seconds the whole attack may cost
    rss_limit = 16 * MIB       # growth of the server's resident set during the attack
    min_probes = 5             # well-behaved requests that must have been made meanwhile
    settle = 0.5               # seconds the probe keeps going after the attack

    def run(self, server):
        raise NotImplementedError


class RapidReset(Case):
    """CVE-2023-44487: HEADERS then RST_STREAM(CANCEL), 20,000 times.
    Expect GOAWAY ENHANCE_YOUR_CALM after a few hundred resets."""

    def run(self, server):
        attacker = Attacker(server.port)
        rst = lambda stream_id: RstStreamFrame(stream_id, error_code=CANCEL).serialize()
        attack = frames_for_streams(1, 20000, 0x1, 0x4 | 0x1, header_blocks(attacker, '/slow?ms=50'), rst)
        all_sent = attacker.send(attack)
        attacker.expect_goaway(ENHANCE_YOUR_CALM)
        attacker.close()
        return 'GOAWAY %s (all frames sent: %s)' % (error_name(attacker.goaway_code()), all_sent)


class ContinuationFlood(Case):
    """CVE-2024-27316: HEADERS without END_HEADERS, then CONTINUATION frames of
    16 KiB of header fields, never ending. Expect a connection error before the
    server holds more than a few of them."""
    rss_limit = 8 * MIB

    def run(self, server):
        attacker = Attacker(server.port)
        head = HeadersFrame(1, data=attacker.encoder.encode(request_headers(server.port, '/'))).serialize()
        # Literal header fields without indexing (RFC 7541 §6.2.2), 4,000-byte values.
        field = b'\x00\x05x-pad' + hpack_integer(4000, 7) + b'p' * 4000
        chunk = field * 4
        continuation = ContinuationFrame(1, data=chunk).serialize()
        attacker.send(head + continuation * 20000)  # 320 MB if nothing stops it
        attacker.expect_goaway(ENHANCE_YOUR_CALM)
        attacker.close()
        return 'GOAWAY ENHANCE_YOUR_CALM'


class EmptyContinuationFlood(Case):
    """CONTINUATION flood of empty frames: nothing decoded, every frame costs."""

    def run(self, server):
        attacker = Attacker(server.port)
        head = HeadersFrame(1, data=attacker.encoder.encode(request_headers(server.port, '/'))).serialize()
        empty = ContinuationFrame(1, data=b'').serialize()
        attacker.send(head + empty * 200000)
        attacker.expect_goaway(ENHANCE_YOUR_CALM)
        attacker.close()
        return 'GOAWAY ENHANCE_YOUR_CALM'


class PingFlood(Case):
    """20,000 PINGs from a peer that reads the acknowledgements, 10 per write a
    millisecond apart, so that the server seldom has many answers queued
    (libnghttp2 stops a peer at 1000 queued). Expect GOAWAY ENHANCE_YOUR_CALM
    after fewer than 1000 answers."""

    def run(self, server):
        attacker = Attacker(server.port)
        ping = PingFrame(0, opaque_data=b'flooding').serialize()
        attacker.send(ping * 20000, chunk=len(ping) * 10, pause=0.001)
        attacker.expect_goaway(ENHANCE_YOUR_CALM)
        acks = attacker.frames.get('PingFrame', 0)
        attacker.close()
        expect(acks < 1000, 'the server answered %d PINGs before it stopped the flood' % acks)
        return 'GOAWAY ENHANCE_YOUR_CALM after %d PING ACKs' % acks


class PingFloodNotReading(Case):
    """PINGs from a peer that never reads: the acknowledgements cannot leave,
    their queue must stay bounded. Expect GOAWAY ENHANCE_YOUR_CALM."""

    def run(self, server):
        attacker = Attacker(server.port, reading=False)
        attacker.send(PingFrame(0, opaque_data=b'flooding').serialize() * 200000)
        deadline = time.monotonic() + 10
        # The GOAWAY waits behind the unread acknowledgements; the close shows.
        threading.Thread(target=attacker._read, daemon=True).start()
        expect(attacker.wait_closed(max(0, deadline - time.monotonic())),
               'the server did not close the connection of a PING flood that does not read')
        attacker.close()
        return 'closed; GOAWAY %s' % (error_name(attacker.goaway_code()) if attacker.goaway else 'not read')


class SettingsFlood(Case):
    """20,000 SETTINGS frames, each changing INITIAL_WINDOW_SIZE, 10 per write a
    millisecond apart, from a peer that reads the acknowledgements. Expect
    GOAWAY ENHANCE_YOUR_CALM after fewer than 1000 acknowledgements."""

    def run(self, server):
        attacker = Attacker(server.port)
        frames = SettingsFrame(0, settings={0x4: 65535}).serialize() + SettingsFrame(0, settings={0x4: 65536}).serialize()
        attacker.send(frames * 10000, chunk=len(frames) * 5, pause=0.001)
        attacker.expect_goaway(ENHANCE_YOUR_CALM)
        acks = attacker.frames.get('SettingsFrame', 0) - 1  # the first is the server's own SETTINGS
        attacker.close()
        expect(acks < 1000, 'the server acknowledged %d SETTINGS before it stopped the flood' % acks)
        return 'GOAWAY ENHANCE_YOUR_CALM after %d SETTINGS ACKs' % acks


class EmptyDataFlood(Case):
    """CVE-2019-9518: an open upload, then 200,000 empty DATA frames without
    END_STREAM. Expect GOAWAY ENHANCE_YOUR_CALM."""

    def run(self, server):
        attacker = Attacker(server.port)
        head = attacker.headers_frame(1, '/sink', 'POST', end_stream=False)
        attacker.send(head + DataFrame(1, data=b'').serialize() * 200000)
        attacker.expect_goaway(ENHANCE_YOUR_CALM)
        attacker.close()
        return 'GOAWAY ENHANCE_YOUR_CALM'


class EmptyHeadersFlood(Case):
    """CVE-2019-9518: 50,000 HEADERS frames with an empty header block, each on
    a new stream (each a malformed request the server must reset). Expect
    GOAWAY ENHANCE_YOUR_CALM."""

    def run(self, server):
        attacker = Attacker(server.port)
        attacker.send(frames_for_streams(1, 50000, 0x1, 0x4, (b'', b'')))
        attacker.expect_goaway(ENHANCE_YOUR_CALM)
        attacker.close()
        return 'GOAWAY ENHANCE_YOUR_CALM'


class WindowUpdateFlood(Case):
    """200,000 WINDOW_UPDATE frames of 1 byte, on the connection and on an open
    stream. libnghttp2 handles each in constant time and answers none, so no
    limit is needed: expect the CPU bound kept and the same connection still
    serving a request afterwards."""
    cpu_limit = 2.0

    def run(self, server):
        attacker = Attacker(server.port)
        head = attacker.headers_frame(1, '/sink', 'POST', end_stream=False)
        flood = (WindowUpdateFrame(0, window_increment=1).serialize()
                 + WindowUpdateFrame(1, window_increment=1).serialize()) * 100000
        attacker.send(head + flood)
        attacker.send(attacker.headers_frame(3, '/'))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not attacker.statuses.get('200') and not attacker.eof.is_set():
            time.sleep(0.05)
        expect(attacker.statuses.get('200') == 1 and attacker.goaway is None,
               'GET / after the flood was not served: statuses %s, frames %s, %s' % (
                   attacker.statuses, attacker.frames,
                   'no GOAWAY' if attacker.goaway is None else 'GOAWAY %s (%r), last stream %d' % (
                       error_name(attacker.goaway.error_code), bytes(attacker.goaway.additional_data),
                       attacker.goaway.last_stream_id)))
        attacker.close()
        return 'served afterwards'


def bomb_block(encoder_table_entry_size, references):
    """An HPACK block that first adds x-bomb: <entry> to the dynamic table, then
    refers to it `references` times (one byte each, index 62)."""
    value = b'b' * encoder_table_entry_size
    # Literal with incremental indexing, new name (RFC 7541 §6.2.1).
    literal = b'\x40\x06x-bomb' + hpack_integer(len(value), 7) + value
    return literal + b'\xbe' * references


def hpack_integer(value, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = bytearray([first | limit])
    value -= limit
    while value >= 128:
        out.append((value & 0x7f) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def unindexed_request(port, path, method):
    """A request's header block that leaves the peer's HPACK table alone
    (literals never indexed), so that a bomb's table entry keeps index 62."""
    return Encoder().encode([NeverIndexedHeaderTuple(n, v) for n, v in request_headers(port, path, method)])


class HpackBomb(Case):
    """Small frames that decode huge: a 4,000-byte value put in the HPACK table,
    then referred to by one byte 12,000 times per request (48 MB decoded from
    16 KB). 50 such requests. Expect each refused (431, or RST_STREAM once
    twice the header list limit is decoded), memory flat, and little CPU: the
    unbounded decoding cost about 1.5 s here (0.15 s bounded)."""
    rss_limit = 24 * MIB
    cpu_limit = 0.8

    def run(self, server):
        attacker = Attacker(server.port)
        pseudo = unindexed_request(server.port, '/echo', 'POST')
        frames = b''
        for i in range(50):
            block = pseudo + bomb_block(4000, 12000)
            frames += HeadersFrame(1 + 2 * i, data=block, flags=['END_HEADERS']).serialize()
        all_sent = attacker.send(frames)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and attacker.statuses.get('431', 0) + sum(attacker.rst_codes.values()) < 50 \
                and not attacker.eof.is_set():
            time.sleep(0.05)
        answered = attacker.statuses.get('431', 0)
        expect(answered + sum(attacker.rst_codes.values()) >= 50 or attacker.goaway is not None,
               'expected 431, RST_STREAM or GOAWAY for the 50 bombs; got statuses %s, resets %s, frames %s'
               % (attacker.statuses, attacker.rst_codes, attacker.frames))
        expect(attacker.statuses.get('200', 0) == 0, 'a bomb was served: %s' % attacker.statuses)
        attacker.close()
        return '431 x%d, resets %s, GOAWAY %s (all sent: %s)' % (
            answered, attacker.rst_codes, error_name(attacker.goaway_code()) if attacker.goaway else 'none', all_sent)


class HpackBombHeld(Case):
    """Requests that stay open (uploads never finished), each holding a header
    list just under the limit, decoded from a 4,000-byte table entry referred
    to by one byte: 1 MiB held per 300 bytes sent, on 150 streams. Expect memory bounded: the server refuses what it cannot
    hold rather than holding 1 MiB per stream."""
    server_options = ('--timeout-ms=3000',)
    rss_limit = 48 * MIB

    def run(self, server):
        attacker = Attacker(server.port)
        pseudo = unindexed_request(server.port, '/echo', 'POST')
        frames = b''
        for i in range(150):
            block = (pseudo + bomb_block(4000, 240)) if i == 0 else (pseudo + b'\xbe' * 240)
            frames += HeadersFrame(1 + 2 * i, data=block, flags=['END_HEADERS']).serialize()
        attacker.send(frames)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and attacker.rst_codes.get(REFUSED_STREAM, 0) < 140:
            time.sleep(0.05)
        attacker.close()
        expect(attacker.rst_codes.get(REFUSED_STREAM, 0) >= 140,
               'expected most of the 150 bombs refused (REFUSED_STREAM); got resets %s, statuses %s'
               % (attacker.rst_codes, attacker.statuses))
        return 'statuses %s, resets %s, GOAWAY %s' % (
            attacker.statuses, attacker.rst_codes, error_name(attacker.goaway_code()) if attacker.goaway else 'none')


class UnfinishedStreams(Case):
    """Thousands of requests opened and never finished: two connections with
    1,024 uploads each (SETTINGS_MAX_CONCURRENT_STREAMS) to /sink, whose
    handler reads the whole body before it answers, none ever sending a byte; a third opens 1,100.
    Expect the third stopped at the limit (REFUSED_STREAM or GOAWAY
    PROTOCOL_ERROR), the others' handlers ended by the request read timeout
    (408), at most a share of the handler pool per connection, and the
    well-behaved client served all along."""
    server_options = ('--timeout-ms=1500',)
    settle = 1.0

    def run(self, server):
        attackers = [Attacker(server.port) for _ in range(2)]
        for attacker in attackers:
            attacker.send(repeated_headers(attacker, 1, 1024, '/sink', 'POST', end_stream=False))
        excess = Attacker(server.port)
        time.sleep(0.2)  # our SETTINGS acknowledged: the limit is in force
        excess.send(repeated_headers(excess, 1, 1100, '/sink', 'POST', end_stream=False))
        time.sleep(4)
        timed_out = sum(a.statuses.get('408', 0) for a in attackers)
        served = sum(a.statuses.get('200', 0) for a in attackers)
        for attacker in attackers + [excess]:
            attacker.close()
        expect(excess.rst_codes.get(REFUSED_STREAM, 0) > 0 or excess.goaway is not None,
               'streams beyond the limit were neither refused nor a connection error: %s' % excess.frames)
        expect(timed_out > 0, 'no stream was ended by the request read timeout (408): %s'
               % [a.statuses for a in attackers])
        expect(served == 0, '%d never-finished uploads were answered 200' % served)
        return '%d answered 408 in 4 s; the connection over the limit: %s' % (
            timed_out, 'GOAWAY %s' % error_name(excess.goaway_code()) if excess.goaway
            else '%d REFUSED_STREAM' % excess.rst_codes.get(REFUSED_STREAM, 0))


class Slowloris(Case):
    """50 connections each sending a request a byte a second (20 of them the
    HTTP/2 preface and a HEADERS frame, 20 an HTTP/1.1 request head, 10 an
    h2c Upgrade head). Expect every one closed by the server within the
    handshake/idle timeout, long before its request is complete."""
    server_options = ('--timeout-ms=2000', '--idle-ms=2000')
    cpu_limit = 3.0
    rss_limit = 8 * MIB

    def run(self, server):
        h2 = PREFACE + SettingsFrame(0).serialize() + HeadersFrame(
            1, data=Encoder().encode(request_headers(server.port, '/')), flags=['END_HEADERS', 'END_STREAM']).serialize()
        http1 = b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\nAccept: */*\r\n\r\n'
        upgrade = (b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n'
                   b'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n')
        payloads = [h2] * 20 + [http1] * 20 + [upgrade] * 10
        sockets = [socket.create_connection(('127.0.0.1', server.port)) for _ in payloads]
        offsets = [0] * len(sockets)
        closed_after = [None] * len(sockets)
        started = time.monotonic()
        while time.monotonic() - started < 8 and None in closed_after:
            for i, sock in enumerate(sockets):
                if closed_after[i] is not None:
                    continue
                readable, _, _ = select.select([sock], [], [], 0)
                eof = False
                if readable:
                    try:
                        eof = sock.recv(65536) == b''
                    except OSError:
                        eof = True
                if not eof and offsets[i] < len(payloads[i]):
                    try:
                        sock.send(payloads[i][offsets[i]:offsets[i] + 1])
                        offsets[i] += 1
                    except OSError:
                        eof = True
                if eof:
                    closed_after[i] = time.monotonic() - started
            time.sleep(1)
        for sock in sockets:
            sock.close()
        still_open = closed_after.count(None)
        expect(still_open == 0, '%d of %d slow connections still open after 8 s (byte counts %s)'
               % (still_open, len(sockets), offsets))
        expect(all(offsets[i] < len(payloads[i]) for i in range(len(sockets))),
               'a slow request was sent whole before the server closed it')
        return 'all %d closed, the last after %.1f s' % (len(sockets), max(closed_after))


class IdleConnections(Case):
    """10,000 idle h2c connections (preface and SETTINGS, then nothing). Expect
    every one accepted, at most 24 KiB resident per connection (docs/
    BENCHMARKS.md measured 14.2; a read or write buffer kept per idle
    connection would be 16 KiB or more on top), and the well-behaved client
    served while they are open."""
    server_options = ('--idle-ms=120000', '--timeout-ms=120000', '--ping-interval-ms=0')
    cpu_limit = 10.0
    rss_limit = 10000 * 24 * 1024
    count = 10000
    descriptors = count + 200

    def run(self, server):
        hello = PREFACE + SettingsFrame(0).serialize()
        sockets = []
        for _ in range(self.count):
            sock = socket.create_connection(('127.0.0.1', server.port), timeout=30)
            sock.sendall(hello)
            sockets.append(sock)
        # Every connection gets the server's SETTINGS: all were accepted and are served.
        deadline = time.monotonic() + 30
        answered = 0
        for sock in sockets:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                if len(sock.recv(9)) > 0:
                    answered += 1
            except OSError:
                pass
        time.sleep(1)
        growth = server.rss() - self.baseline_rss
        for sock in sockets:
            sock.close()
        expect(answered == self.count, 'only %d of %d idle connections got the server\'s SETTINGS'
               % (answered, self.count))
        per_connection = growth / self.count
        expect(per_connection <= 24 * 1024, '%.1f KiB resident per idle connection (limit 24 KiB)'
               % (per_connection / 1024))
        return '%d idle connections, %.1f KiB resident each' % (self.count, per_connection / 1024)


CASES = {
    'rapid_reset': RapidReset,
    'continuation_flood': ContinuationFlood,
    'empty_continuation_flood': EmptyContinuationFlood,
    'ping_flood': PingFlood,
    'ping_flood_not_reading': PingFloodNotReading,
    'settings_flood': SettingsFlood,
    'empty_data_flood': EmptyDataFlood,
    'empty_headers_flood': EmptyHeadersFlood,
    'window_update_flood': WindowUpdateFlood,
    'hpack_bomb': HpackBomb,
    'hpack_bomb_held': HpackBombHeld,
    'unfinished_streams': UnfinishedStreams,
    'slowloris': Slowloris,
    'idle_10k': IdleConnections,
}


SKIPPED = 77  # ctest's SKIP_RETURN_CODE


def run_case(name, server_path):
    case = CASES[name]()
    # Raised before the server starts, so that it inherits the limit too.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < case.descriptors:
        print('SKIP %s: ulimit -Hn is %d, the case needs %d descriptors' % (name, hard, case.descriptors))
        return SKIPPED
    if soft != resource.RLIM_INFINITY and soft < case.descriptors:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(case.descriptors, soft)), hard))
    server = Server(server_path, case.server_options)
    try:
        # Warm up (first request, thread start-up), then measure from here.
        warm = Probe(server.port)
        time.sleep(0.3)
        warm.finish()
        time.sleep(0.2)
        case.baseline_rss = server.rss()
        server.reset_peak()
        cpu_before = server.cpu_seconds()
        probe = Probe(server.port)
        started = time.monotonic()
        try:
            verdict = case.run(server)
        finally:
            time.sleep(case.settle)
            results = probe.finish()
        elapsed = time.monotonic() - started
        expect(server.alive(), 'the server died')
        cpu = server.cpu_seconds() - cpu_before
        growth = server.peak_rss - case.baseline_rss
        failures = [r for r in results if r[1] is not None]
        slowest = max([r[0] for r in results] or [0])
        print('%s: %s; server CPU %.2f s (limit %.1f), RSS %.1f -> peak %.1f MiB (growth limit %.0f MiB); '
              '%d probe requests in %.1f s, slowest %.3f s'
              % (name, verdict, cpu, case.cpu_limit, case.baseline_rss / MIB, server.peak_rss / MIB,
                 case.rss_limit / MIB, len(results), elapsed, slowest))
        expect(not failures, 'well-behaved requests failed during the attack: %s' % failures[:5])
        expect(slowest <= PROBE_LIMIT, 'a well-behaved request took %.3f s (limit %.1f s)' % (slowest, PROBE_LIMIT))
        expect(len(results) >= case.min_probes, 'only %d well-behaved requests were made' % len(results))
        expect(cpu <= case.cpu_limit, 'the attack cost the server %.2f CPU seconds (limit %.1f)' % (cpu, case.cpu_limit))
        expect(growth <= case.rss_limit, 'the server\'s resident set grew by %.1f MiB (limit %.0f MiB)'
               % (growth / MIB, case.rss_limit / MIB))
    finally:
        server.stop()


def main(argv):
    if len(argv) == 3 and argv[1] == 'probe':
        return probe_main(int(argv[2]))
    server_path = None
    names = []
    for argument in argv[1:]:
        if argument.startswith('--server='):
            server_path = argument[len('--server='):]
        else:
            names.append(argument)
    if server_path is None or len(names) != 1 or names[0] not in CASES:
        print(__doc__ + '\nCases: ' + ', '.join(CASES), file=sys.stderr)
        return 2
    try:
        if run_case(names[0], server_path) == SKIPPED:
            return SKIPPED
    except Fail as failure:
        print('FAIL %s: %s' % (names[0], failure))
        return 1
    print('PASS %s' % names[0])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
