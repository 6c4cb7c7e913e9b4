#!/usr/bin/python3
"""bench/pg.py: the PostgreSQL store against the SQLite one (figures, never a test).

    bench/pg.py [--bin PATH] [--data DIR] [--writes N] [--wrk-seconds S] [--results FILE]

Makes a throwaway PostgreSQL cluster (scripts/pg-tmp), imports the ministry's dataset into it
and into a SQLite file, starts one SQLite-backed server and two PostgreSQL-backed replicas of
the same binary, and measures:
  - write latency (a POST answered after its change is served), p50/p99 over N writes, on
    each store;
  - time from a write's answer on one replica to the new answer on the other (PUT of one
    report, polled every 2 ms), p50/p99 over N writes;
  - read throughput of a PostgreSQL-backed replica against the SQLite-backed server (wrk -t2
    -c64 on /v1/cumulative/latest, alternating rounds; medians, ratio);
  - RSS of each server at the end;
  - catch-up after PostgreSQL is stopped for 5 s: from its restart to the first write
    accepted, and to that write served by the other replica.
Writes its section of bench/RESULTS.md (between the markers "<!-- bench/pg.py -->"; replaced
on each run). Nothing fails on a slow figure, only on a broken setup.
"""

import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import cluster_test as ct  # noqa: E402  (Cluster, Server: the cluster test's helpers)

MARK = "<!-- bench/pg.py -->"


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def ms(x):
    return "%.1f" % (x * 1000.0)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def post_latencies(srv, days):
    out = []
    for i, d in enumerate(days):
        t0 = time.monotonic()
        st, body, _ = srv.request("POST", "/v1/reports",
                                  {"date": d, "totals": {"personnel": 1500000 + i}}, auth=True)
        out.append(time.monotonic() - t0)
        if st != 201:
            ct.fail("POST %s: %d %s" % (d, st, body[:200]))
    return out


def lag(a, b, day, n):
    """PUTs to a, each polled on b until served: seconds from a's answer."""
    out = []
    for i in range(n):
        val = 1600000 + i
        st, body, _ = a.request("PUT", "/v1/reports/" + day,
                                {"date": day, "totals": {"personnel": val}}, auth=True)
        t0 = time.monotonic()
        if st != 200:
            ct.fail("PUT %s: %d %s" % (day, st, body[:200]))
        want = ('"personnel":%d' % val).encode()
        while want not in b.request("GET", "/v1/cumulative/" + day)[1]:
            if time.monotonic() - t0 > 10:
                ct.fail("replica b never served %d" % val)
            time.sleep(0.002)
        out.append(time.monotonic() - t0)
    return out


def wrk(port, seconds):
    r = subprocess.run(["wrk", "-t2", "-c64", "-d%ds" % seconds,
                        "http://127.0.0.1:%d/v1/cumulative/latest" % port],
                       capture_output=True, text=True)
    m = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
    if not m:
        ct.fail("wrk: %s %s" % (r.stdout, r.stderr))
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "attrition"))
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "ua-mod"))
    ap.add_argument("--writes", type=int, default=100)
    ap.add_argument("--wrk-seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = ap.parse_args()
    files = [os.path.join(args.data, n) for n in ("russia_losses_personnel.json",
             "russia_losses_equipment.json", "russia_losses_equipment_correction.json")]
    if not all(os.path.exists(f) for f in files):
        ct.fail("the dataset is absent: %s" % args.data)
    tmp = subprocess.run(["mktemp", "-d"], capture_output=True, text=True).stdout.strip()
    cluster = ct.Cluster(ROOT, tmp)
    servers = []
    t_start = time.time()
    try:
        cluster.create_db("bench")
        pg = cluster.uri("bench")
        lite = os.path.join(tmp, "bench.db")
        ct.run_import(args.bin, lite, files, os.path.join(tmp, "import.log"))
        ct.run_import(args.bin, pg, files, os.path.join(tmp, "import.log"))
        s = ct.Server(args.bin, lite, os.path.join(tmp, "sqlite.log"))
        p1 = ct.Server(args.bin, pg, os.path.join(tmp, "pg1.log"))
        p2 = ct.Server(args.bin, pg, os.path.join(tmp, "pg2.log"))
        servers = [s, p1, p2]
        last = datetime.date.fromisoformat(s.get_json("/v1/cumulative/latest")["date"])
        days = [(last + datetime.timedelta(days=1 + i)).isoformat() for i in range(args.writes)]
        w_lite = post_latencies(s, days)
        w_pg = post_latencies(p1, days)
        lags = lag(p1, p2, days[0], args.writes)
        rl, rp = [], []
        for _ in range(args.rounds):
            rl.append(wrk(s.port, args.wrk_seconds))
            rp.append(wrk(p1.port, args.wrk_seconds))
        rss = {name: rss_kib(x.proc.pid) for name, x in (("sqlite", s), ("pg1", p1), ("pg2", p2))}
        # catch-up after a 5 s outage
        cluster.stop_server()
        time.sleep(5)
        cluster.start_server()
        t0 = time.monotonic()
        probe = (last + datetime.timedelta(days=args.writes + 1)).isoformat()
        while True:
            st, _, _ = p1.request("POST", "/v1/reports",
                                  {"date": probe, "totals": {"personnel": 1700000}}, auth=True)
            if st in (200, 201):  # 200: stored by an earlier try whose reload failed
                break
            if time.monotonic() - t0 > 60:
                ct.fail("writes did not come back within 60 s")
            time.sleep(0.05)
        t_write = time.monotonic() - t0
        while b'"personnel":1700000' not in p2.request("GET", "/v1/cumulative/" + probe)[1]:
            if time.monotonic() - t0 > 60:
                ct.fail("the other replica did not catch up within 60 s")
            time.sleep(0.01)
        t_seen = time.monotonic() - t0
    finally:
        for x in servers:
            x.stop()
        cluster.remove()
        subprocess.run(["rm", "-rf", tmp])
    load = open("/proc/loadavg").read().split()[:3]
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    ratio = statistics.median(rp) / statistics.median(rl)
    text = "\n".join([
        MARK,
        "## The PostgreSQL store (bench/pg.py)",
        "",
        "- Date: %s UTC; commit %s; %d writes per figure; wrk -t2 -c64 %d s x %d rounds; "
        "PostgreSQL 15 on a Unix socket of the same machine (scripts/pg-tmp, fsync on); load "
        "average %s at the end; took %d s" % (datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"),
                                            commit, args.writes, args.wrk_seconds, args.rounds,
                                            " ".join(load), time.time() - t_start),
        "",
        "| figure | SQLite | PostgreSQL |",
        "| --- | ---: | ---: |",
        "| write latency (POST answered once served), p50 / p99 ms | %s / %s | %s / %s |" % (
            ms(pct(w_lite, 50)), ms(pct(w_lite, 99)), ms(pct(w_pg, 50)), ms(pct(w_pg, 99))),
        "| write on one replica -> new answer on another, p50 / p99 ms | - | %s / %s |" % (
            ms(pct(lags, 50)), ms(pct(lags, 99))),
        "| reads, /v1/cumulative/latest, req/s (median of rounds) | %.0f | %.0f (ratio %.2f) |" % (
            statistics.median(rl), statistics.median(rp), ratio),
        "| RSS per server at the end, MiB | %.1f | %.1f, %.1f |" % (
            rss["sqlite"] / 1024.0, rss["pg1"] / 1024.0, rss["pg2"] / 1024.0),
        "| PostgreSQL stopped 5 s, restarted: first write accepted / served by the other "
        "replica, s after the restart | - | %.2f / %.2f |" % (t_write, t_seen),
        "",
        "Reads never touch the store (each replica answers from its snapshot), so their "
        "throughput ratio should stay near 1.0; a write is answered once its replica serves it "
        "(commit, then the snapshot reloaded from the store); the other replica hears of it "
        "by NOTIFY, which its publish thread polls every 50 ms (PUBLISH_TICK_PG_MS), and reloads. "
        "After an outage each "
        "connection retries on a backoff of 250 ms doubling to 5 s (core/db_pg.c), which bounds "
        "the catch-up.",
        MARK, ""])
    print(text)
    if args.results != "-":
        old = open(args.results).read() if os.path.exists(args.results) else ""
        if MARK in old:
            a = old.index(MARK)
            b = old.index(MARK, a + len(MARK)) + len(MARK) + 1
            new = old[:a] + text + old[b:]
        else:
            new = old.rstrip("\n") + "\n\n" + text
        with open(args.results, "w") as f:
            f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
