"""Two HTTP2Server sample processes listen on one port with SO_REUSEPORT
(--reuse-port): the first binds port 0, the second the port the first got.
New connections are spread over both (each answers /pid with its process
id); after one is killed, new connections are all served by the other.

Usage: reuse_port_test.py HTTP2SERVER WORKDIR
"""

import sys

from sample_server import SampleServer, curl, fail, run_sample

binary, workdir = sys.argv[1], sys.argv[2]
CONNECTIONS = 40


def pids_of_new_connections(port, count):
    """Opens count connections (one curl each, h2c) and returns the pids that answered."""
    pids = []
    for _ in range(count):
        status, out = curl(["--http2-prior-knowledge", "http://127.0.0.1:%d/pid" % port])
        if status != 0:
            fail("request on port %d failed: %s" % (port, out))
        pids.append(int(out.strip()))
    return pids


common = ["--tls-port=off", "--reuse-port", "--data-dir=" + workdir]
with SampleServer(binary, ["--port=0"] + common) as first:
    port = first.port()
    # Without SO_REUSEPORT, the port is taken.
    status, out = run_sample(binary, ["--port=%d" % port, "--tls-port=off", "--data-dir=" + workdir])
    if status == 0 or "in use" not in out.lower():
        fail("a second process without --reuse-port should not bind port %d (status %s): %s" % (port, status, out))

    with SampleServer(binary, ["--port=%d" % port] + common) as second:
        if second.port() != port:
            fail("second process bound %d, not %d" % (second.port(), port))
        pids = pids_of_new_connections(port, CONNECTIONS)
        served = {pid: pids.count(pid) for pid in set(pids)}
        print("connections per process:", served)
        if set(served) != {first.pid, second.pid}:
            fail("%d connections should reach both processes %s, got %s" % (CONNECTIONS, [first.pid, second.pid], served))

        second.kill()
        pids = pids_of_new_connections(port, CONNECTIONS // 2)
        if set(pids) != {first.pid}:
            fail("after the second process died, all connections should go to %d: %s" % (first.pid, set(pids)))
print("PASS")
