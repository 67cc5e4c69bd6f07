"""Starts and stops the HTTP2Server sample for the ecosystem tests.

The sample prints "listening cleartext on ADDR:PORT" and "listening tls on
ADDR:PORT" once its sockets are bound; start() waits for those lines.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time

SKIP = 77  # ctest's SKIP_RETURN_CODE for these tests


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def skip(message):
    print("SKIP: " + message, flush=True)
    sys.exit(SKIP)


class SampleServer:
    """One HTTP2Server sample process."""

    def __init__(self, binary, args, expect=("cleartext",), timeout=30):
        self.ports = {}
        self.output = []
        self.process = subprocess.Popen([binary] + list(args), stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        ready = threading.Event()
        wanted = set(expect)

        def read():
            for line in self.process.stdout:
                self.output.append(line)
                match = re.match(r"listening (\w+) on .*:(\d+)$", line.strip())
                if match:
                    self.ports[match.group(1)] = int(match.group(2))
                    if wanted.issubset(self.ports):
                        ready.set()
            ready.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        ready.wait(timeout)
        if not wanted.issubset(self.ports):
            self.kill()
            fail("sample server did not start: " + "".join(self.output))

    @property
    def pid(self):
        return self.process.pid

    def port(self, kind="cleartext"):
        return self.ports[kind]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def run_sample(binary, args, timeout=20):
    """Runs the sample to completion (for configuration errors); returns
    (exit status, output), the status None if it was still running after
    timeout seconds (and was killed)."""
    try:
        result = subprocess.run([binary] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        return None, "(still running after %d s) %s" % (timeout, expired.stdout or "")
    return result.returncode, result.stdout


def curl(args, timeout=20):
    """Runs curl; returns (exit status, stdout)."""
    result = subprocess.run(["curl", "--silent", "--show-error", "--max-time", "10"] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    return result.returncode, result.stdout + result.stderr


def wait_until(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
