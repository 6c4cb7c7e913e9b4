#!/usr/bin/python3
"""bench/events.py: what /v1/events costs with many idle subscribers.

Starts `attrition serve` (BIN, default build/attrition) on a copy of DB (a database with
the dataset imported) with the connection limits raised, opens N subscribers (default
10000) from this one process (non-blocking sockets, epoll), and measures:
  - the server's RSS before and with the subscribers (memory per subscriber);
  - the fan-out: the time from a POSTed report until each subscriber has its event
    (p50, p99, max), for several POSTs;
  - GET /v1/daily/latest latency (p50/p99 of sequential requests) without and with them.
Writes its figures between the events markers of bench/RESULTS.md (--write) and prints
them. A benchmark, not a test: nothing fails on a slow figure.

usage: bench/events.py --db attrition.db [--bin build/attrition] [-n 10000] [--posts 3]

The client and the server each hold N sockets: `ulimit -n` must be above N + 100 (raise it
in the shell first, e.g. `ulimit -n 20000`).
"""
import argparse
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

TOKEN = "bench-events"


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_ms(pid):
    """User + system CPU time of the process so far, in ms, and its minor page faults."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK"), int(fields[7])


def smaps(pid):
    """The process's /proc/PID/smaps_rollup fields, in KiB."""
    out = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1])
    return out


def get(port, path, headers=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers=headers or {})
    with urllib.request.urlopen(req) as r:
        return r.read()


def latency(port, n=300):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        get(port, "/v1/daily/latest")
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99) - 1]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--bin", default="build/attrition")
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("--posts", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="attrition-events-")
    db = os.path.join(tmp, "bench.db")
    shutil.copy(a.db, db)
    log = open(os.path.join(tmp, "serve.log"), "w+")
    env = dict(os.environ, ATTRITION_TOKEN=TOKEN)
    # streams may take at most half of conn_limit (events.c): room for 2n
    srv = subprocess.Popen([a.bin, "serve", "--db", db, "--port", "0", "--threads", str(a.threads),
                            "--conn-limit", str(2 * a.n + 100), "--per-ip-limit", "0",
                            "--events-limit", str(a.n + 10), "--access-log", "false"],
                           stdout=log, stderr=subprocess.STDOUT, env=env)
    port = None
    for _ in range(500):
        log.seek(0)
        for line in log:
            if '"event":"listening"' in line:
                port = json.loads(line)["port"]
        if port:
            break
        time.sleep(0.02)
    assert port, "the server did not start"
    try:
        base_rss = rss_kib(srv.pid)
        lat0 = latency(port)
        sel = selectors.DefaultSelector()
        socks = []
        req = b"GET /v1/events HTTP/1.1\r\nHost: b\r\nAccept: text/event-stream\r\n\r\n"
        t0 = time.time()
        steps = {}
        for i in range(a.n):
            if i in (1000, 5000):
                steps[i] = rss_kib(srv.pid)
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(req)
            s.setblocking(False)
            socks.append(s)
            sel.register(s, selectors.EVENT_READ, i)
        bufs = [b""] * a.n
        # wait for every opening
        opened = 0
        deadline = time.time() + 60
        seen = [False] * a.n
        while opened < a.n and time.time() < deadline:
            for key, _ in sel.select(1):
                i = key.data
                bufs[i] += key.fileobj.recv(65536)
                if not seen[i] and b"attrition events" in bufs[i]:
                    seen[i] = True
                    opened += 1
        connect_s = time.time() - t0
        time.sleep(1)
        subs_rss = rss_kib(srv.pid)
        subs_smaps = smaps(srv.pid)
        lat1 = latency(port)
        fan = []
        cpu = []
        latest = json.loads(get(port, "/v1/cumulative/latest"))
        day = latest["date"]
        totals = latest["totals"]
        for k in range(a.posts):
            bufs = [b""] * a.n
            import datetime
            d = (datetime.date.fromisoformat(day) + datetime.timedelta(days=k + 1)).isoformat()
            totals = {c: v + 1 for c, v in totals.items()}
            body = json.dumps({"date": d, "totals": totals}).encode()
            needle = ('"date":"%s"' % d).encode()
            got = [None] * a.n
            r = urllib.request.Request("http://127.0.0.1:%d/v1/reports" % port, data=body,
                                       headers={"Authorization": "Bearer " + TOKEN,
                                                "Content-Type": "application/json"})
            c0 = cpu_ms(srv.pid)
            t_post = time.perf_counter()
            urllib.request.urlopen(r).read()
            n_got = 0
            deadline = time.time() + 30
            while n_got < a.n and time.time() < deadline:
                for key, _ in sel.select(1):
                    i = key.data
                    bufs[i] += key.fileobj.recv(65536)
                    if got[i] is None and needle in bufs[i]:
                        got[i] = time.perf_counter() - t_post
                        n_got += 1
            c1 = cpu_ms(srv.pid)
            cpu.append((c1[0] - c0[0], c1[1] - c0[1]))
            fan.append([g for g in got if g is not None])
        time.sleep(1)
        after_rss = rss_kib(srv.pid)
        res = {
            "steps": steps, "rss_after_mib": after_rss / 1024, "smaps": subs_smaps, "cpu": cpu,
            "subscribers": opened, "connect_s": connect_s,
            "rss_base_mib": base_rss / 1024, "rss_subs_mib": subs_rss / 1024,
            "per_sub_kib": (subs_rss - base_rss) / max(1, opened),
            "fanout": [(len(f), pct(f, 0.5) * 1000, pct(f, 0.99) * 1000, max(f) * 1000, c)
                       for f, c in zip(fan, cpu) if f],
            "get_ms_without": lat0, "get_ms_with": lat1,
        }
        for s in socks:
            s.close()
    finally:
        srv.send_signal(signal.SIGTERM)
        srv.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)

    lines = ["## /v1/events: idle subscribers (bench/events.py)", "",
             "- Date: %s UTC; command: `bench/events.py -n %d --posts %d --threads %d` "
             "(debug-optimized build, client and server on the same 2-CPU machine, "
             "other work running)" % (time.strftime("%Y-%m-%d %H:%M", time.gmtime()), a.n, a.posts, a.threads),
             "- Subscribers open: %d (connected in %.1f s)" % (res["subscribers"], res["connect_s"]),
             "- Server RSS: %.1f MiB before, %.1f MiB with the subscribers: **%.1f KiB per subscriber**"
             % (res["rss_base_mib"], res["rss_subs_mib"], res["per_sub_kib"]),
             "- RSS while connecting: %s; %.1f MiB a second after the POSTs below; with the "
             "subscribers, smaps_rollup: Anonymous %.1f MiB, Private_Dirty %.1f MiB"
             % (", ".join("%.1f MiB at %d" % (v / 1024, k) for k, v in sorted(res["steps"].items())),
                res["rss_after_mib"], res["smaps"].get("Anonymous", 0) / 1024,
                res["smaps"].get("Private_Dirty", 0) / 1024),
             "- Fan-out of one `report` event, from the POST to each subscriber having it "
             "(received and parsed by the one Python client, so the client's own time is included), "
             "and the server's CPU time (user + system) and minor page faults from the POST until the "
             "last subscriber had it:", ""]
    lines += ["| POST | subscribers reached | p50 ms | p99 ms | max ms | server CPU ms | page faults |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for k, (n, p50, p99, mx, c) in enumerate(res["fanout"]):
        lines.append("| %d | %d | %.0f | %.0f | %.0f | %.0f | %d |" % (k + 1, n, p50, p99, mx, c[0], c[1]))
    lines += ["", "- GET /v1/daily/latest, 300 sequential requests: p50/p99 %.2f / %.2f ms without "
              "subscribers, %.2f / %.2f ms with them" % (res["get_ms_without"] + res["get_ms_with"]), ""]
    text = "\n".join(lines)
    print(text)
    if a.write:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")
        begin, end = "<!-- events: begin -->", "<!-- events: end -->"
        old = open(path).read()
        block = begin + "\n" + text + "\n" + end
        if begin in old and end in old:
            new = old[:old.index(begin)] + block + old[old.index(end) + len(end):]
        else:
            new = old.rstrip("\n") + "\n\n" + block + "\n"
        open(path, "w").write(new)


if __name__ == "__main__":
    sys.exit(main())
