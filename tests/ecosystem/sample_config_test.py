"""The HTTP2Server sample reads h2.server.* from its configuration file:
a good value takes effect, a typo'd key and a bad value stop it with a
message naming the key.

Usage: sample_config_test.py HTTP2SERVER WORKDIR
"""

import os
import subprocess
import sys

from sample_server import SampleServer, curl, fail, run_sample

binary, workdir = sys.argv[1], sys.argv[2]
EXIT_CONFIG = 78  # Poco::Util::Application::EXIT_CONFIG
os.makedirs(workdir, exist_ok=True)


def write_config(name, text):
    path = os.path.join(workdir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


good = write_config("good.properties",
                    "HTTP2Server.port = 0\nHTTP2Server.tlsPort = off\n"
                    "h2.server.softwareVersion = configured-by-test/1.0\nh2.server.maxConcurrentStreams = 7\n")
with SampleServer(binary, ["--config-file=" + good]) as server:
    status, out = curl(["--http2-prior-knowledge", "-D", "-", "-o", "/dev/null",
                        "http://127.0.0.1:%d/" % server.port()])
    if status != 0 or "server: configured-by-test/1.0" not in out.lower():
        fail("h2.server.softwareVersion not applied: " + out)
    settings = subprocess.run(["nghttp", "-nv", "http://127.0.0.1:%d/" % server.port()],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=20).stdout
    if "SETTINGS_MAX_CONCURRENT_STREAMS(0x03):7" not in settings:
        fail("h2.server.maxConcurrentStreams not applied: " + settings)

typo = write_config("typo.properties", "HTTP2Server.port = 0\nHTTP2Server.tlsPort = off\n"
                    "h2.server.maxConcurentStreams = 7\n")
status, out = run_sample(binary, ["--config-file=" + typo])
if status != EXIT_CONFIG or "unknown configuration key h2.server.maxConcurentStreams" not in out:
    fail("typo not reported (status %s): %s" % (status, out))

bad = write_config("bad.properties", "HTTP2Server.port = 0\nHTTP2Server.tlsPort = off\n"
                   "h2.server.idleTimeout = soon\n")
status, out = run_sample(binary, ["--config-file=" + bad])
if status != EXIT_CONFIG or "configuration key h2.server.idleTimeout wants" not in out:
    fail("bad value not reported (status %s): %s" % (status, out))

status, out = run_sample(binary, ["--config-file=" + good, "--threads=lots"])
if status != EXIT_CONFIG or "h2.server.maxThreads" not in out:
    fail("bad --threads not reported (status %s): %s" % (status, out))

print("PASS")
