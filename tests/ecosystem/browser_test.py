"""Headless Chromium loads /page?assets=50 from the HTTP2Server sample over
TLS. The page's own script reads the Performance API after every
sub-resource (images, scripts, fetches) has loaded and writes, into the DOM,
each resource's nextHopProtocol and the client address the server saw for it
(sent back in a Server-Timing header, readable as
PerformanceResourceTiming.serverTiming). --dump-dom prints the DOM; the test
asserts that all 50 came over h2, on one connection (one client address)
which also carried the page itself.

The browser may open extra (speculative) connections; the assertion is about
the connections that carried requests, which is what the client addresses
show.

Usage: browser_test.py HTTP2SERVER WORKDIR
"""

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from sample_server import SampleServer, fail, skip

binary, workdir = sys.argv[1], sys.argv[2]
ASSETS = 50

chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if chromium is None:
    skip("chromium is not installed (apt-get install chromium; scripts/setup.sh installs it)")
os.makedirs(workdir, exist_ok=True)


def run_chromium(url, profile, timeout=60):
    args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--ignore-certificate-errors", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update",
            "--user-data-dir=" + profile, "--virtual-time-budget=20000", "--dump-dom", url]
    env = dict(os.environ, HOME=profile)
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout, env=env)


# Can this machine run the browser at all? Only a browser that cannot load
# even about:blank (no usable sandbox, missing libraries) is a skip.
with tempfile.TemporaryDirectory(dir=workdir) as profile:
    try:
        probe = run_chromium("about:blank", profile, timeout=30)
    except subprocess.TimeoutExpired:
        skip("chromium did not load about:blank within 30 s")
    if probe.returncode != 0 or "<body>" not in probe.stdout:
        skip("chromium cannot run here (status %d): %s" % (probe.returncode, probe.stderr[-2000:]))

with SampleServer(binary, ["--port=off", "--tls-port=0", "--data-dir=" + workdir], expect=("tls",)) as server:
    url = "https://127.0.0.1:%d/page?assets=%d" % (server.port("tls"), ASSETS)
    with tempfile.TemporaryDirectory(dir=workdir) as profile:
        try:
            result = run_chromium(url, profile)
        except subprocess.TimeoutExpired:
            fail("chromium did not finish within 60 s")
    match = re.search(r'<pre id="result">(.*?)</pre>', result.stdout, re.S)
    if not match:
        fail("no result element in the DOM (status %d):\n%s\n%s" % (result.returncode, result.stdout[-3000:],
                                                                    result.stderr[-3000:]))
    text = html.unescape(match.group(1))
    if not text.startswith("{"):
        fail("the page did not finish: %s\nstderr: %s" % (text, result.stderr[-3000:]))
    report = json.loads(text)

assets = report["assets"]
page = report["page"]
print("page:", page, "scripts run:", report["scriptsRun"], "assets:", len(assets))
if len(assets) != ASSETS:
    fail("%d sub-resources in the Performance API, expected %d" % (len(assets), ASSETS))
protocols = {a["protocol"] for a in assets} | {page["protocol"]}
if protocols != {"h2"}:
    fail("not everything came over h2: %s" % sorted(protocols))
peers = {a["peer"] for a in assets}
print("connections that carried the sub-resources:", sorted(peers))
if "" in peers or not page["peer"]:
    fail("a response had no Server-Timing peer: %s" % assets)
if peers != {page["peer"]}:
    fail("the page and its %d sub-resources came over %d connections: page %s, assets %s"
         % (ASSETS, len(peers | {page["peer"]}), page["peer"], sorted(peers)))
if report["scriptsRun"] != sum(1 for a in assets if a["url"].endswith(".js")):
    fail("scripts run %d, scripts loaded %d" % (report["scriptsRun"], sum(1 for a in assets if a["url"].endswith(".js"))))
print("PASS")
