#!/usr/bin/env python3
"""bench/write_burst.py: read latency while writers write (the publish path, server/publish.h).

Imports the dataset into a temporary database, starts `attrition serve` (default threads:
one per CPU, access log off) and runs, each for --seconds:
  idle:  --readers clients GET warmed answers one after another (keep-alive), no writer;
  burst: the same readers while --writers clients PUT a report each (their own day after the
         latest, a changed total every time, so every write commits a new data version).
Prints tab-separated lines `write_burst <phase> <what> <n> <p50_ms> <p99_ms> <max_ms>` and a
summary; with --results FILE appends a Markdown table to FILE. Latency is the client's, from
sending the request to the last byte of the answer. A benchmark, not a test: it fails only
on a broken setup (a server that does not start, an answer that is not 2xx).
"""
import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

READ_URLS = ["/v1/daily/latest", "/v1/cumulative/latest", "/v1/records", "/v1/categories",
             "/v1/summary?group=month", "/v1/records/personnel?limit=10"]
TOKEN = "bench-write-burst"
ERRORS = []  # what failed in a client thread (then the run fails)


def pct(v, p):
    if not v:
        return float("nan")
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def start_server(binary, db, threads):
    env = dict(os.environ, ATTRITION_TOKEN=TOKEN)
    p = subprocess.Popen([binary, "serve", "--db", db, "--port", "0", "--access-log", "false",
                          "--threads", str(threads)], stdout=subprocess.PIPE, env=env, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        m = re.search(r'"event":"listening".*"port":(\d+)', line)
        if m:
            threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
            return p, int(m.group(1))
    p.kill()
    sys.exit("write_burst: the server did not start")


def reader(port, stop, out):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = 0
    while not stop.is_set():
        url = READ_URLS[i % len(READ_URLS)]
        i += 1
        t0 = time.perf_counter()
        c.request("GET", url)
        r = c.getresponse()
        r.read()
        out.append((time.perf_counter() - t0) * 1000.0)
        if r.status != 200:
            ERRORS.append(f"GET {url}: {r.status}")
            return


def writer(port, stop, out, date, totals, k):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    n = 0
    hdr = {"Content-Type": "application/json", "Authorization": "Bearer " + TOKEN}
    while not stop.is_set():
        t = dict(totals)
        t["personnel"] = totals["personnel"] + 100 * (k + 1) + n % 7
        n += 1
        body = json.dumps({"date": date, "totals": t})
        t0 = time.perf_counter()
        if n == 1:  # the writer's day does not exist yet: POST it, then PUT changes
            c.request("POST", "/v1/reports", body, hdr)
        else:
            c.request("PUT", "/v1/reports/" + date, body, hdr)
        r = c.getresponse()
        text = r.read()
        out.append((time.perf_counter() - t0) * 1000.0)
        if r.status not in (200, 201):
            ERRORS.append(f"write {date}: {r.status} {text[:200]!r}")
            return


def phase(port, seconds, readers, writers, latest):
    stop = threading.Event()
    reads, writes, ts = [], [], []
    for _ in range(readers):
        ts.append(threading.Thread(target=reader, args=(port, stop, reads)))
    base = time.strptime(latest["date"], "%Y-%m-%d")
    for k in range(writers):
        day = time.strftime("%Y-%m-%d", time.gmtime(time.mktime(base) + 86400 * (k + 1) + 43200))
        ts.append(threading.Thread(target=writer, args=(port, stop, writes, day,
                                                        latest["totals"], k)))
    for t in ts:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in ts:
        t.join()
    return reads, writes


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(root, "build", "attrition"))
    ap.add_argument("--data", default=os.path.join(root, "..", "shared", "data", "ua-mod"))
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--label", default="")
    ap.add_argument("--results", default="")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "burst.db")
        files = [os.path.join(a.data, f) for f in sorted(os.listdir(a.data)) if f.endswith(".json")]
        subprocess.run([a.bin, "import", "--db", db] + files, check=True,
                       stdout=subprocess.DEVNULL)
        srv, port = start_server(a.bin, db, a.threads)
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/v1/cumulative/latest")
            latest = json.loads(c.getresponse().read())
            idle, _ = phase(port, min(a.seconds, 3), a.readers, 0, latest)
            reads, writes = phase(port, a.seconds, a.readers, a.writers, latest)
        finally:
            srv.send_signal(signal.SIGTERM)
            srv.wait(timeout=30)
    if ERRORS:
        sys.exit("write_burst: " + "; ".join(ERRORS[:5]))
    rows = [("idle", "GET", idle), ("burst", "GET", reads), ("burst", "PUT", writes)]
    for ph, what, v in rows:
        print(f"write_burst\t{ph}\t{what}\t{len(v)}\t{pct(v, 50):.2f}\t{pct(v, 99):.2f}\t"
              f"{max(v) if v else float('nan'):.2f}")
    if a.results:
        with open(a.results, "a") as f:
            f.write(f"\n| {a.label} | phase | requests | p50 ms | p99 ms | max ms |\n"
                    "|---|---|---|---|---|---|\n")
            for ph, what, v in rows:
                f.write(f"| | {ph}: {what} | {len(v)} | {pct(v, 50):.1f} | {pct(v, 99):.1f} | "
                        f"{max(v) if v else float('nan'):.1f} |\n")


if __name__ == "__main__":
    main()
