#!/usr/bin/env python3
"""Turns bench/run.sh's runs.csv into the summary tables and the plot.

Usage: summarize.py RUNS_CSV OUT_DIR

Writes OUT_DIR/summary.md (medians, our ratio to each peer, the DESIGN.md
section 5 targets met or not; a ratio is the median over the rounds of the
ratio within each round), OUT_DIR/concurrency.dat and, when gnuplot is
installed, OUT_DIR/concurrency.png (small-response req/s against concurrency
for every server); prints summary.md on stdout.
"""

import collections
import csv
import os
import shutil
import statistics
import subprocess
import sys

PEERS = ["nghttpd", "h2o", "nginx"]
OURS = ["ours", "ours-inline"]  # ours-inline: HTTP2Server --inline-handlers
SERVERS = OURS + PEERS


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def load(path):
    """Returns {(case, label, protocol, server): [values]} in first-seen order,
    the CPU microseconds per request alike, the notes, the rounds, and
    {(case, label, protocol, server): {round: value}}."""
    values = collections.OrderedDict()
    by_round = collections.defaultdict(dict)
    cpu = collections.OrderedDict()
    notes = collections.defaultdict(list)
    rounds = set()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            key = (row["case"], row["label"], row["protocol"], row["server"])
            values.setdefault(key, [])
            cpu.setdefault(key, [])
            v = number(row["value"])
            if v is not None:
                values[key].append(v)
                by_round[key][row["round"]] = v
            c = number(row["cpu_us_per_request"])
            if c is not None:
                cpu[key].append(c)
            if row["note"]:
                notes[key].append(row["note"])
            rounds.add(row["round"])
    return values, cpu, notes, rounds, by_round


def median(xs):
    return statistics.median(xs) if xs else None


def fmt(v, digits=0):
    if v is None:
        return "—"
    if digits == 0:
        return "{:,.0f}".format(v)
    return "{:,.{}f}".format(v, digits)


def ratio(a, b):
    if a is None or not b:
        return None
    return a / b


def paired_ratio(by_round, a, b):
    """a over b: the median over the rounds of a's value over b's in the same
    round. bench/run.sh runs the servers of a round one after the other,
    minutes apart, so a slow spell of the shared machine mostly hits both
    runs of a pair; the ratio of two medians would take each from a
    different round. The ratio of the medians when no round has both."""
    ra, rb = by_round.get(a, {}), by_round.get(b, {})
    ratios = [ra[r] / rb[r] for r in ra if r in rb and rb[r]]
    if ratios:
        return statistics.median(ratios)
    return ratio(median(list(ra.values())), median(list(rb.values())))


def labels_of(values, case):
    seen = []
    for (c, label, protocol, _server) in values:
        if c == case and (label, protocol) not in seen:
            seen.append((label, protocol))
    return seen


def server_table(out, values, by_round, case, title, unit):
    rows = labels_of(values, case)
    if not rows:
        return {}
    servers = [s for s in SERVERS if any(k[0] == case and k[3] == s for k in values)]
    ours = [s for s in servers if s in OURS]
    peers = [p for p in servers if p not in OURS]
    pairs = [(o, p) for o in ours for p in peers]
    out.append("### {} ({}, median)\n".format(title, unit))
    out.append("| load | protocol | " + " | ".join(servers) + "".join(" | {}/{}".format(o, p) for o, p in pairs) + " |")
    out.append("| --- | --- |" + " ---: |" * (len(servers) + len(pairs)))
    ratios = {}
    for label, protocol in rows:
        m = {s: median(values.get((case, label, protocol, s), [])) for s in servers}
        r = {(o, p): paired_ratio(by_round, (case, label, protocol, o), (case, label, protocol, p)) for o, p in pairs}
        ratios[(label, protocol)] = r
        cells = [fmt(m[s]) for s in servers]
        cells += ["**{}**".format(fmt(r[(o, p)], 2)) if m.get(o) and m.get(p) else "—" for o, p in pairs]
        out.append("| {} | {} | {} |".format(label, protocol, " | ".join(cells)))
    out.append("")
    return ratios


def poco_table(out, targets, values, by_round, case, first_column, title, poco_column, target_name, skip_label=None):
    """Ours over h2c against Poco's HTTP/1.1 server, one row per label of
    case; adds the 8x target of each row but skip_label to targets."""
    rows = labels_of(values, case)
    if not rows:
        return
    ours = [o for o in OURS if any(k[0] == case and k[3] == o for k in values)]
    out.append(title)
    out.append("| {} | ".format(first_column) + " | ".join(o + " h2c" for o in ours) + " | {} | ".format(poco_column)
               + " | ".join(o + "/Poco" for o in ours) + " |")
    out.append("| --- |" + " ---: |" * (2 * len(ours) + 1))
    for label in dict.fromkeys(label for label, _ in rows):
        b = median(values.get((case, label, "h1", "poco-http1"), []))
        a = [median(values.get((case, label, "h2c", o), [])) for o in ours]
        rs = [paired_ratio(by_round, (case, label, "h2c", o), (case, label, "h1", "poco-http1")) if x and b else None
              for o, x in zip(ours, a)]
        out.append("| {} | {} | {} | {} |".format(label, " | ".join(fmt(x) for x in a), fmt(b),
                                                  " | ".join("**{}**".format(fmt(r, 2)) for r in rs)))
        for o, r in zip(ours, rs):
            if r is not None and label != skip_label:
                targets.append((target_name.format(label=label, ours=o), r, 8.0))
    out.append("")


def main():
    csv_path, out_dir = sys.argv[1], sys.argv[2]
    values, cpu, notes, rounds, by_round = load(csv_path)
    n_rounds = max([int(r) for r in rounds if r.isdigit()] + [1])
    out = ["## Results (medians of {} round(s); every run is in runs.csv)\n".format(n_rounds),
           "Ratios are paired: the median over the rounds of the ratio of the two runs of one round.\n"]
    targets = []

    small = server_table(out, values, by_round, "small", "Small responses, GET / (13 bytes)", "req/s")
    server_table(out, values, by_round, "large", "1 MiB responses, GET /1m", "req/s")
    stream = server_table(out, values, by_round, "stream", "One stream at a time", "MiB/s")
    server_table(out, values, by_round, "post", "POST 1 MiB, echoed back", "req/s")

    for (label, protocol), rs in small.items():
        for o in OURS:
            if label != "c10 m100":
                continue
            for peer, goal in (("nghttpd", 1.0), ("h2o", 0.8)):
                r = rs.get((o, peer))
                if r is not None:
                    targets.append(("small responses {} {} ({}): ≥ {:.1f}× {}".format(protocol, label, o, goal, peer), r, goal))
    for (label, protocol), rs in stream.items():
        r = rs.get(("ours", "nghttpd"))
        if r is not None:
            targets.append(("one stream {}: ≥ 1.0× nghttpd".format(protocol), r, 1.0))

    poco_table(out, targets, values, by_round, "http1", "load",
               "### HTTP/2 (ours, h2c) against Poco's HTTP/1.1 HTTPServer, same handler, same -c/-m (req/s, median)\n",
               "Poco HTTPServer HTTP/1.1 (h2load --h1)", "≥ 8× Poco HTTP/1.1 at {label} ({ours})", skip_label="c1 m1")
    poco_table(out, targets, values, by_round, "http1-in-flight", "in flight",
               "### HTTP/2 (ours, h2c) against Poco's HTTP/1.1 HTTPServer with the same requests in flight, "
               "HTTP/1.1 not pipelined (req/s, median)\n\n"
               "N in flight: ours `h2load -c N/100 -m100`, Poco `h2load --h1 -c N -m1` (a connection per "
               "request in flight, as browsers and Poco's HTTPClientSession send HTTP/1.1).\n",
               "Poco HTTPServer HTTP/1.1", "≥ 8× Poco HTTP/1.1, {label}, not pipelined ({ours})")

    client_keys = [k for k in values if k[0] == "client"]
    if client_keys:
        out.append("### Clients (req/s and client CPU µs per request, median)\n")
        out.append("| server | protocol | client | req/s | CPU µs/request |")
        out.append("| --- | --- | --- | ---: | ---: |")
        med = {}
        for k in client_keys:
            med[k] = median(values[k])
            out.append("| {} | {} | {} | {} | {} |".format(k[1], k[2], k[3], fmt(med[k]), fmt(median(cpu[k]), 1)))
        out.append("")
        out.append("CPU µs/request: user + system CPU of the client process over its run (h2load: the whole "
                   "run, connection set-up included; ClientBench: the measured seconds after its warm-up).\n")
        pairs = []
        for target in ("nghttpd", "h2o"):
            pairs.append((("client", target, "h2c", "HTTP2Client async 100"), ("client", target, "h2c", "h2load -c1 -m100"), 0.7))
            pairs.append((("client", target, "h2c", "HTTP2Client async 400, 4 connections"),
                          ("client", target, "h2c", "h2load -c4 -m100"), 0.7))
            pairs.append((("client", target, "h2c", "HTTP2Client blocking 16"), ("client", target, "h2c", "h2load -c1 -m16"), 0.7))
        poco = ("client", "h2o", "h1", "Poco HTTPClientSession 16")
        pairs.append((("client", "h2o", "h2c", "HTTP2Client blocking 16"), poco, 8.0))
        pairs.append((("client", "h2o", "h2c", "HTTP2Client async 100"), poco, 8.0))
        pairs.append((("client", "h2o", "h2c", "HTTP2Client async 400, 4 connections"), poco, 8.0))
        for a, b, goal in pairs:
            r = paired_ratio(by_round, a, b) if med.get(a) and med.get(b) else None
            if r is not None:
                targets.append(("client: {} against {} ≥ {:.1f}× {}".format(a[3], a[1], goal, b[3]), r, goal))

    idle_keys = [k for k in values if k[0] == "idle"]
    if idle_keys:
        out.append("### Idle connections ({})\n".format(idle_keys[0][1]))
        out.append("| protocol | server | KiB per idle connection | threads | details |")
        out.append("| --- | --- | ---: | ---: | --- |")
        for k in idle_keys:
            threads = median(values.get(("idle-threads", k[1], k[2], k[3]), []))
            out.append("| {} | {} | **{}** | {} | {} |".format(k[2], k[3], fmt(median(values[k]), 2), fmt(threads),
                                                               "; ".join(notes.get(k, []))))
            if k[3] == "ours" and values[k] and "NOT ALL OPEN" not in " ".join(notes.get(k, [])):
                goal = 16.0 if k[2] == "tls" else 8.0
                targets.append(("idle {} connection ≤ {:.0f} KiB".format(k[2], goal), median(values[k]), -goal))
        out.append("")

    memory_keys = [k for k in values if k[0] == "memory"]
    if memory_keys:
        out.append("### Our resident growth during one large transfer\n")
        out.append("| transfer | protocol | peak growth (MiB) | details |")
        out.append("| --- | --- | ---: | --- |")
        for k in memory_keys:
            out.append("| {} | {} | **{}** | {} |".format(k[1], k[2], fmt(median(values[k]), 1), "; ".join(notes.get(k, []))))
            if values[k] and k[1].startswith("1024 "):
                targets.append(("{} {}: growth < 16 MiB".format(k[1], k[2]), median(values[k]), -16.0))
        out.append("")

    thread_keys = [k for k in values if k[0] == "threads"]
    if thread_keys:
        out.append("### Threads after the throughput runs\n")
        out.append("| server | threads | |")
        out.append("| --- | ---: | --- |")
        for k in thread_keys:
            out.append("| {} | {} | {} |".format(k[3], fmt(median(values[k])), "; ".join(notes.get(k, []))))
        out.append("")

    if targets:
        out.append("### DESIGN.md §5 targets\n")
        out.append("| target | measured | met |")
        out.append("| --- | ---: | --- |")
        for name, v, goal in targets:
            # A negative goal is an upper bound.
            met = v <= -goal if goal < 0 else v >= goal
            shown = fmt(v, 2) + ("×" if goal > 0 else "")
            out.append("| {} | {} | {} |".format(name, shown, "yes" if met else "**no**"))
        out.append("")

    text = "\n".join(out)
    with open(os.path.join(out_dir, "summary.md"), "w") as f:
        f.write(text + "\n")
    print(text)
    plot(values, out_dir)


def plot(values, out_dir):
    shapes = [label for label, protocol in labels_of(values, "small") if protocol == "h2c"]
    if not shapes:
        return
    series = [(s, p) for p in ("h2c", "tls") for s in SERVERS]
    columns = ["{}-{}".format(s, p) for s, p in series] + ["poco-http1"]
    dat = os.path.join(out_dir, "concurrency.dat")
    with open(dat, "w") as f:
        f.write("# load " + " ".join(columns) + "\n")
        for label in shapes:
            row = [median(values.get(("small", label, p, s), [])) for s, p in series]
            row.append(median(values.get(("http1", label, "h1", "poco-http1"), [])))
            f.write('"{}" {}\n'.format("-" + label.replace(" ", " -"),
                                       " ".join("?" if v is None else "{:.0f}".format(v) for v in row)))
    if not shutil.which("gnuplot"):
        print("gnuplot is not installed: no plot")
        return
    colors = {"ours": "#d62728", "ours-inline": "#ff7f0e", "nghttpd": "#1f77b4", "h2o": "#2ca02c", "nginx": "#9467bd"}
    script = [
        'set terminal pngcairo size 1200,520 font "sans,10"',
        'set output "{}"'.format(os.path.join(out_dir, "concurrency.png")),
        'set datafile missing "?"',
        "set multiplot layout 1,2 title \"Small responses (GET /, 13 bytes): requests per second, h2load -c C -m M; "
        "server on one core, h2load on the other\"",
        "set logscale y",
        "set grid ytics",
        'set ylabel "requests per second"',
        'set xlabel "h2load concurrency"',
        "set key below maxcols 3",
        "set xrange [-0.3:{}]".format(len(shapes) - 0.7),
    ]
    for index, protocol in enumerate(("h2c", "tls")):
        plots = []
        for s_index, server in enumerate(SERVERS):
            column = 2 + index * len(SERVERS) + s_index
            plots.append('"{}" using 0:{}:xtic(1) with linespoints lw 2 pt 7 lc rgb "{}" title "{}"'.format(
                dat, column, colors[server], {"ours": "ours (HTTP2Server)", "ours-inline": "ours, inline handlers"}.get(server, server)))
        if protocol == "h2c":
            plots.append('"{}" using 0:{}:xtic(1) with linespoints lw 2 dt 2 pt 5 lc rgb "#7f7f7f" '
                         'title "Poco HTTPServer, HTTP/1.1 (h2load --h1)"'.format(dat, 2 + 2 * len(SERVERS)))
        script.append('set title "{}"'.format("h2c (cleartext)" if protocol == "h2c" else "h2 over TLS 1.3"))
        script.append("plot " + ", ".join(plots))
    script.append("unset multiplot")
    result = subprocess.run(["gnuplot"], input="\n".join(script) + "\n", text=True, capture_output=True)
    if result.returncode != 0:
        print("gnuplot failed: " + result.stderr.strip())


if __name__ == "__main__":
    main()
