"""HTTP2Get --config FILE reads h2.client.* with
HTTP2ClientParams::fromConfiguration: a configured request timeout takes
effect, a command-line option wins over the file, and a typo'd key stops it
with a message naming the key.

Usage: client_config_test.py HTTP2SERVER WORKDIR HTTP2GET
"""

import os
import subprocess
import sys

from sample_server import SampleServer, fail

binary, workdir, http2get = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(workdir, exist_ok=True)


def write_config(name, text):
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def get(args):
    result = subprocess.run([http2get, "--h2c"] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, timeout=30)
    return result.returncode, result.stdout


short = write_config("short-timeout.properties", "h2.client.timeout = 0.5\nh2.client.maxConnections = 1\n")
typo = write_config("typo.properties", "h2.client.timeot = 0.5\n")
with SampleServer(binary, ["--port=0", "--tls-port=off", "--data-dir=" + workdir]) as server:
    slow = "http://127.0.0.1:%d/slow?ms=2000" % server.port()
    status, out = get(["--config", short, slow])
    if status == 0 or "Timeout" not in out:
        fail("h2.client.timeout = 0.5 should time out a 2 s request (status %d): %s" % (status, out))
    status, out = get(["--config", short, "--timeout", "20", slow])
    if status != 0 or "slept 2000 ms" not in out:
        fail("--timeout 20 should win over the file (status %d): %s" % (status, out))
    status, out = get(["--config", typo, "http://127.0.0.1:%d/" % server.port()])
    if status == 0 or "unknown configuration key h2.client.timeot" not in out:
        fail("typo not reported (status %d): %s" % (status, out))
print("PASS")
