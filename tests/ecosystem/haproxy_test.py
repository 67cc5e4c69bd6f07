"""HAProxy in front of two HTTP2Server sample processes: the frontend
terminates TLS and speaks h2 (ALPN h2,http/1.1), the backends are spoken
to in h2c ("proto h2"), balanced round robin. Requests through HAProxy
over one h2 connection succeed and both backends serve some (/pid).

HAProxy's listening socket is bound by this script on port 0 and handed
over as an inherited descriptor (bind fd@N), so no port is guessed.

Usage: haproxy_test.py HTTP2SERVER WORKDIR
"""

import os
import shutil
import socket
import subprocess
import sys
import time

from sample_server import SampleServer, curl, fail, skip, wait_until

binary, workdir = sys.argv[1], sys.argv[2]
REQUESTS = 10

haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
if haproxy is None:
    skip("haproxy is not installed (apt-get install haproxy; scripts/setup.sh installs it)")
os.makedirs(workdir, exist_ok=True)

with SampleServer(binary, ["--port=0", "--tls-port=0", "--data-dir=" + workdir], expect=("cleartext", "tls")) as s1, \
        SampleServer(binary, ["--port=0", "--tls-port=off", "--data-dir=" + workdir]) as s2:
    # The sample created a self-signed certificate in workdir; HAProxy wants
    # certificate and key in one file.
    pem = os.path.join(workdir, "haproxy.pem")
    with open(pem, "w") as out:
        for name in ("cert.pem", "key.pem"):
            with open(os.path.join(workdir, name)) as f:
                out.write(f.read())

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    fd = listener.fileno()

    config = os.path.join(workdir, "haproxy.cfg")
    with open(config, "w") as f:
        f.write("""global
    log stderr format raw local0 warning

defaults
    mode http
    log global
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend h2_in
    bind fd@{fd} ssl crt {pem} alpn h2,http/1.1
    default_backend pocoh2

backend pocoh2
    balance roundrobin
    server s1 127.0.0.1:{p1} proto h2 check inter 1s
    server s2 127.0.0.1:{p2} proto h2 check inter 1s
""".format(fd=fd, pem=pem, p1=s1.port(), p2=s2.port()))

    check = subprocess.run([haproxy, "-c", "-f", config], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, pass_fds=(fd,))
    if check.returncode != 0:
        fail("haproxy -c rejected the configuration: " + check.stdout)
    proxy = subprocess.Popen([haproxy, "-db", "-f", config], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, pass_fds=(fd,))
    listener.close()
    try:
        url = "https://127.0.0.1:%d/pid" % port

        def answers():
            status, _ = curl(["-k", "--http2", url])
            return status == 0 or proxy.poll() is not None

        if not wait_until(answers, 20) or proxy.poll() is not None:
            fail("haproxy did not answer: " + (proxy.stdout.read() if proxy.poll() is not None else ""))

        # REQUESTS requests over one h2 connection to HAProxy.
        status, out = curl(["-k", "--http2", "-w", "%{http_version}\\n"] + [url] * REQUESTS)
        if status != 0:
            fail("requests through haproxy failed: " + out)
        lines = out.split()
        versions = lines[1::2]
        pids = [int(p) for p in lines[0::2]]
        if versions != ["2"] * REQUESTS:
            fail("not every response came over h2 from haproxy: " + out)
        served = {pid: pids.count(pid) for pid in set(pids)}
        print("requests per backend:", served)
        if set(served) != {s1.pid, s2.pid}:
            fail("both backends %s should have served requests, got %s" % ([s1.pid, s2.pid], served))

        # A POST body goes through both hops (h2 from curl, h2c to the backend).
        status, out = curl(["-k", "--http2", "--data-binary", "hello through haproxy",
                            "https://127.0.0.1:%d/echo" % port])
        if status != 0 or out != "hello through haproxy":
            fail("POST through haproxy: " + out)
    finally:
        proxy.terminate()
        try:
            proxy.wait(10)
        except subprocess.TimeoutExpired:
            proxy.kill()
print("PASS")
