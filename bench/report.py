#!/usr/bin/env python3
"""Renders bench/run's raw measurements (a TSV) as tables on stdout and as RESULTS.md.

usage: report.py RAW.tsv [--results FILE]

A block between "<!-- notes -->" and "<!-- /notes -->" in an existing results file (hand-written
analysis) is carried over into the new one.
"""
import math
import os
import statistics
import sys
from collections import defaultdict

# The targets of issues #6 and #15 (benchmark figures, not tests).
T_RATIO = 1.0          # attrition req/s / tuned nginx req/s, cached answers, access log on
T_RATIO_SUMMARY = 0.95 # ... on the monthly summary
T_RATIO_BARE = 0.95    # attrition (log on) req/s / bare libmicrohttpd req/s, cache hit (issue 25)
T_P99_MS = 10.0        # p99 at 64 connections
T_COLD_REAL_MS = 1.0   # cold records and monthly summary, real history
T_COLD_SYN_MS = 20.0   # cold monthly summary over 100 synthetic years
T_COLD_DAILY_MS = 5.0  # cold full /v1/daily, real history
T_WARM_FIRST_MS = 0.1  # the first request of a warmed answer after a POSTed report
T_RSS_MB = 32.0        # peak RSS, real history, under load
T_IMPORT_REAL_S = 0.5
T_IMPORT_SYN_S = 5.0

ROW_TITLES = {
    "latest": "/v1/cumulative/latest",
    "daily-month": "/v1/daily?from=2024-10-01&to=2024-10-31",
    "records": "/v1/records/personnel?limit=10",
    "summary-month": "/v1/summary?group=month",
    "revalidate-304": "304: If-None-Match on /v1/cumulative/latest",
    "distinct-dates": "/v1/daily/{date}, every date in turn (cached after 1st pass)",
    "uncached-dates": "uncached: /v1/daily/{date}, every date, --cache-bytes 0",
    "latest-vs-plain": "/v1/cumulative/latest vs plain nginx",
}
CACHED_ROWS = ["latest", "daily-month", "records", "summary-month", "revalidate-304",
               "distinct-dates"]
# attrition as users run it (access log on) and with the log off, as wrk_run names them.
CONFIGS = [("attrition-log", "default configuration: access log on"),
           ("attrition", "access log off (--access-log false)")]


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return math.nan


def med(xs):
    xs = [x for x in xs if not math.isnan(x)]
    return statistics.median(xs) if xs else math.nan


def fmt(x, nd=0):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if nd == 0:
        return f"{x:,.0f}"
    return f"{x:,.{nd}f}"


def ms(us):
    return fmt(us / 1000.0, 2)


def table(head, rows, align=None):
    out = ["| " + " | ".join(head) + " |",
           "| " + " | ".join(align or ["---"] * len(head)) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def load(path):
    d = {"meta": {}, "kv": {}, "runs": defaultdict(lambda: defaultdict(dict)), "rss": {},
         "pass": {}, "scale": defaultdict(dict), "scalekv": defaultdict(dict), "missing": [],
         "warm": [], "warmkv": {}, "soak": None, "burst": [], "rss_now": {}}
    with open(path) as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            kind = c[0]
            if kind == "meta":
                d["meta"][c[1]] = c[2] if len(c) > 2 else ""
            elif kind == "kv":
                d["kv"][c[1]] = c[2]
            elif kind == "run":
                row, server, rnd = c[1], c[2], c[3]
                d["runs"][row][server][rnd] = {
                    "rps": num(c[4]), "p50": num(c[5]), "p99": num(c[6]), "cpu": num(c[7]),
                    "req": num(c[8]), "err": int(c[9]), "serr": int(c[10]), "max": num(c[11]),
                    "srv_pct": num(c[12]) if len(c) > 12 else math.nan,
                    "wrk_pct": num(c[13]) if len(c) > 13 else math.nan,
                    "other_pct": num(c[14]) if len(c) > 14 else math.nan,
                    "steal_pct": num(c[15]) if len(c) > 15 else math.nan}
            elif kind == "rss":
                d["rss"][c[1]] = num(c[2])
            elif kind == "rss_now":
                d["rss_now"][c[1]] = num(c[2])
            elif kind == "pass":
                d["pass"][c[1]] = {"n": int(c[2]), "cpu": num(c[3]), "client_us": num(c[4])}
            elif kind == "scale":
                label, mode, path = c[1], c[2], c[3]
                d["scale"][label][(mode, path)] = {
                    "status": c[4], "first": num(c[5]), "median": num(c[6]),
                    "ttfb": num(c[7]), "bytes": num(c[8])}
            elif kind == "scalekv":
                d["scalekv"][c[1]][c[2]] = c[3] if len(c) > 3 else ""
            elif kind == "missing":
                d["missing"].append((c[1], c[2]))
            elif kind == "warm":
                d["warm"].append((c[1], num(c[2])))
            elif kind == "warmkv":
                d["warmkv"][c[1]] = c[2] if len(c) > 2 else ""
            elif kind == "burst":
                d["burst"].append((c[1], c[2], int(c[3]), num(c[4]), num(c[5]), num(c[6])))
            elif kind == "soak":
                d["soak"] = {"seconds": num(c[1]), "rss0": num(c[2]), "rss1": num(c[3]),
                             "hwm": num(c[4]), "wrk": c[5] if len(c) > 5 else ""}
    return d


def summarize_row(servers, aname="attrition"):
    """Medians per server and the paired ratios for one row (attrition as aname)."""
    names = list(servers)
    ngx = next(n for n in names if n.startswith("nginx"))
    if aname not in servers:
        return None
    a, n = servers[aname], servers[ngx]
    rounds = sorted(set(a) & set(n), key=lambda r: int(r))
    s = {"nginx_name": ngx, "rounds": len(rounds)}
    for key in ("rps", "p50", "p99", "cpu", "max", "srv_pct", "wrk_pct", "other_pct",
                "steal_pct"):
        s["a_" + key] = med([a[r][key] for r in rounds])
        s["n_" + key] = med([n[r][key] for r in rounds])
    ratios = [a[r]["rps"] / n[r]["rps"] for r in rounds if n[r]["rps"]]
    cratios = [a[r]["cpu"] / n[r]["cpu"] for r in rounds if n[r]["cpu"]]
    s["ratio"], s["ratio_lo"], s["ratio_hi"] = med(ratios), min(ratios), max(ratios)
    s["cpu_ratio"] = med(cratios)
    s["other_max"] = max(max(a[r]["other_pct"], n[r]["other_pct"]) for r in rounds)
    s["steal_max"] = max(max(a[r]["steal_pct"], n[r]["steal_pct"]) for r in rounds)
    s["errors"] = sum(a[r]["err"] + a[r]["serr"] + n[r]["err"] + n[r]["serr"] for r in rounds)
    return s


def pair(servers, a, b):
    """Server a against server b on one row, paired by round: medians and ratios a/b."""
    if a not in servers or b not in servers:
        return None
    x, y = servers[a], servers[b]
    rounds = sorted(set(x) & set(y), key=lambda r: int(r))
    if not rounds:
        return None
    s = {"rounds": len(rounds)}
    for key in ("rps", "p50", "p99", "cpu"):
        s["a_" + key] = med([x[r][key] for r in rounds])
        s["b_" + key] = med([y[r][key] for r in rounds])
    ratios = [x[r]["rps"] / y[r]["rps"] for r in rounds if y[r]["rps"]]
    s["ratio"], s["lo"], s["hi"] = med(ratios), min(ratios), max(ratios)
    s["cpu_ratio"] = med([x[r]["cpu"] / y[r]["cpu"] for r in rounds if y[r]["cpu"]])
    s["errors"] = sum(x[r]["err"] + x[r]["serr"] + y[r]["err"] + y[r]["serr"] for r in rounds)
    return s


BARE = "bare-mhd"


def bare_section(d):
    """Each contender against the bare libmicrohttpd program (bench/bare_mhd.c), paired by
    round, on the rows it runs in (issue 25: the stack's own limit)."""
    rows = []
    for row in ROW_TITLES:
        servers = d["runs"].get(row, {})
        if BARE not in servers:
            continue
        ngx = next((n for n in servers if n.startswith("nginx")), None)
        for name, title in (("attrition-log", "attrition, access log on (default)"),
                            ("attrition", "attrition, access log off"), (ngx, "nginx, tuned"),
                            (BARE, "bare libmicrohttpd")):
            s = pair(servers, name, BARE) if name else None
            if s is None:
                continue
            rows.append([ROW_TITLES[row], title, fmt(s["a_rps"]),
                         "1 (itself)" if name == BARE else
                         f"**{s['ratio']:.2f}** ({s['lo']:.2f}-{s['hi']:.2f})",
                         f"{ms(s['a_p50'])} / {ms(s['a_p99'])}", fmt(s["a_cpu"], 2),
                         "1" if name == BARE else f"{s['cpu_ratio']:.2f}"
                         + (" (errors!)" if s["errors"] else "")])
    if not rows:
        return ""
    pool = d["kv"].get("bare_pool")
    head = ["endpoint", "server", "req/s", "ratio to bare (range)", "p50/p99 ms", "CPU µs/req",
            "CPU ratio to bare"]
    return (table(head, rows, ["---", "---", "---:", "---:", "---:", "---:", "---:"]) + "\n\n"
            "The bare server (bench/bare_mhd.c) is a libmicrohttpd program with attrition's "
            "daemon flags (epoll thread pool, ITC, suspend/resume), threads, connection limits, "
            f"timeout and connection memory pool ({fmt(num(pool) / 1024) if pool else '?'} KiB) "
            "answering every request with one persistent response holding attrition's exact "
            "bytes and header lines (and a 304 for its ETag): no routing, cache, log or metrics. "
            "Its rounds are interleaved with the others' (nginx, attrition log off, log on, "
            "bare); ratios are medians of the per-round ratios, the range the lowest and "
            "highest round.")


def throughput_section(d):
    if not d["runs"]:
        return "", {}
    out, all_sums = [], {}
    for aname, title in CONFIGS:
        body, sums = throughput_table(d, aname)
        if sums:
            out += [f"### attrition, {title}", "", body, ""]
            all_sums[aname] = sums
    return "\n".join(out), all_sums


def throughput_table(d, aname):
    rows, sums = [], {}
    for row in ROW_TITLES:
        if row not in d["runs"]:
            continue
        s = summarize_row(d["runs"][row], aname)
        if s is None:
            continue
        sums[row] = s
        rows.append([
            ROW_TITLES[row],
            fmt(s["n_rps"]), fmt(s["a_rps"]),
            f"**{s['ratio']:.2f}** ({s['ratio_lo']:.2f}-{s['ratio_hi']:.2f})",
            f"{ms(s['n_p50'])} / {ms(s['n_p99'])}", f"{ms(s['a_p50'])} / {ms(s['a_p99'])}",
            fmt(s["n_cpu"], 2), fmt(s["a_cpu"], 2), f"{s['cpu_ratio']:.2f}"
            + (" (errors!)" if s["errors"] else "")])
    head = ["endpoint", "nginx req/s", "attrition req/s", "ratio a/n (range)",
            "nginx p50/p99 ms", "attrition p50/p99 ms", "nginx CPU µs/req",
            "attrition CPU µs/req", "CPU ratio a/n"]
    out = [table(head, rows, ["---"] + ["---:"] * 8)]
    out.append("")
    out.append("Medians of the rounds; *ratio a/n* is the median of the per-pair ratios of "
               "requests/s (attrition/nginx, higher is better for attrition; the range is the "
               "lowest and highest pair); *CPU ratio* is attrition's CPU per request over "
               "nginx's (lower is better). CPU is utime+stime of the server's processes "
               "(nginx: master + workers) over the run, divided by completed requests. Every "
               "row except the last is against the tuned nginx.")
    share = []
    for row, s in sums.items():
        share.append([row, f"{s['n_srv_pct']:.0f}% / {s['a_srv_pct']:.0f}%",
                      f"{s['n_wrk_pct']:.0f}% / {s['a_wrk_pct']:.0f}%",
                      f"{s['n_other_pct']:.1f}% / {s['a_other_pct']:.1f}% (max {s['other_max']:.1f}%)",
                      f"{s['n_steal_pct']:.1f}% / {s['a_steal_pct']:.1f}% (max {s['steal_max']:.1f}%)"])
    if share:
        out.append("")
        out.append("Where the machine's CPU went during the runs (share of all CPUs, medians, "
                   "nginx run / attrition run): the server, wrk, everything else (other "
                   "processes, interrupts), and time stolen by the hypervisor. The servers and "
                   "wrk are pinned to different CPUs (taskset, see Parameters) unless the run "
                   "says none; other work on the machine still lands on either, so req/s and "
                   "p99 move with it; CPU per request is the steadier figure.")
        out.append("")
        out.append(table(["row", "server", "wrk", "other", "steal"], share,
                         ["---", "---:", "---:", "---:", "---:"]))
    for m in d["missing"]:
        out.append(f"\n**Not measured:** {m[1]} did not answer 200 (--skip-missing left it out).")
    return "\n".join(out), sums


def extras_section(d, sums):
    out = []
    pr = paired_304(d)
    if pr:
        out.append(f"304 vs 200 on attrition, /v1/cumulative/latest, paired by round (the two "
                   f"rows run interleaved): req/s ratio {pr[0]:.2f}, CPU per request ratio "
                   f"{pr[1]:.2f}.\n")
    rss = d["rss"]
    if rss:
        out.append("Peak RSS (VmHWM) after all runs: attrition {} MB (cache on, access log "
                   "on), {} MB (cache on, log off), {} MB (--cache-bytes 0); tuned nginx {} MB, "
                   "plain nginx {} MB (sum over master and workers).".format(
                       *(fmt(rss.get(k, math.nan) / 1024, 1) for k in
                         ("attrition-log", "attrition", "attrition-uncached", "nginx-tuned",
                          "nginx-plain"))))
        if "bare-mhd" in rss:
            out.append("Bare libmicrohttpd program: {} MB. attrition's VmRSS (log on) after "
                       "the runs: {} MB.".format(fmt(rss["bare-mhd"] / 1024, 1),
                                                 fmt(d["rss_now"].get("attrition-log", math.nan) / 1024, 1)))
        if "log_dropped" in d["kv"]:
            out.append(f"Access-log lines dropped by the log writer over all runs "
                       f"(attrition_log_dropped_total): {d['kv']['log_dropped'] or 'n/a'}.")
    p = d["pass"]
    if p:
        f, s = p.get("first"), p.get("second")
        out.append(
            f"\nOne connection, one request after another over every date on a fresh cached "
            f"server ({f['n']} requests in all, several servers): first pass (every request a cache miss: route, compute, render, "
            f"gzip, store) {fmt(f['cpu'], 1)} µs of server CPU per request "
            f"({fmt(f['client_us'], 0)} µs median round trip); second pass (all hits) "
            f"{fmt(s['cpu'], 1)} µs ({fmt(s['client_us'], 0)} µs). At one request in flight "
            f"every request pays its own wake-ups and system calls, so these are higher than "
            f"under wrk's load; CPU is counted in clock ticks (10 ms), about ±"
            f"{100 * 0.01 * 2 / (f['n'] * f['cpu'] / 1e6):.0f}% here.")
    kv = d["kv"]
    if "attrition_header_bytes" in kv:
        out.append(f"\nResponse of /v1/cumulative/latest: body {kv.get('latest_bytes')} bytes; "
                   f"headers {kv['attrition_header_bytes']} bytes from attrition, "
                   f"{kv['nginx_header_bytes']} from nginx (configured to add the same CORS, "
                   f"Cache-Control and Vary headers).")
    return "\n".join(out)


def warm_section(d):
    """The first request of each warmed answer after a POSTed report, and the soak."""
    out = []
    w, kv = d["warm"], d["warmkv"]
    if w:
        vals = [x for _, x in w if not math.isnan(x)]
        out.append(f"After `POST /v1/reports` (a new latest report; the POST took "
                   f"{kv.get('post_ms', '?')} ms of server time, of which warming "
                   f"{kv.get('warm_ms', '?')} ms for {kv.get('warm_answers', '?')} answers), "
                   f"the first GET (Accept-Encoding: gzip, as browsers send) of each of the "
                   f"{kv.get('requests', '?')} warmed answers: "
                   f"cache hits {kv.get('hits', '?')}, misses {kv.get('misses', '?')} "
                   f"(/metrics counters around them); server time (access log duration_ms) "
                   f"median {fmt(med(vals), 3)} ms, max {fmt(max(vals) if vals else math.nan, 3)} ms.")
        out.append("")
        out.append(table(["first GET after the POST", "server ms"],
                         [[f"`{u}`", fmt(x, 3)] for u, x in w], ["---", "---:"]))
    sk = d["soak"]
    if sk:
        out.append("")
        out.append(f"Soak: {fmt(sk['seconds'])} s of wrk at the run's connections over every "
                   f"report date in turn, defaults (access log on): VmRSS {fmt(sk['rss0'] / 1024, 1)} MB "
                   f"at the start, {fmt(sk['rss1'] / 1024, 1)} MB at the end (VmHWM "
                   f"{fmt(sk['hwm'] / 1024, 1)} MB); wrk: `{sk['wrk']}`.")
    return "\n".join(out)


def burst_section(d):
    """Reads while clients write (bench/write_burst.py): latency per phase."""
    if not d["burst"]:
        return ""
    rows = [[f"{phase}: {what}", f"{n:,}", fmt(p50, 2), fmt(p99, 2), fmt(mx, 2)]
            for phase, what, n, p50, p99, mx in d["burst"]]
    return ("bench/write_burst.py: 4 clients GET warmed answers one after another (keep-alive) "
            "for 3 s with no writer (idle), then while 4 clients PUT a report each (a new data "
            "version every time); client latency, server at its default threads, unpinned.\n\n"
            + table(["phase", "requests", "p50 ms", "p99 ms", "max ms"], rows,
                    ["---", "---:", "---:", "---:", "---:"]))


def scale_section(d):
    if not d["scale"]:
        return ""
    out = []
    head = ["history", "reports x categories (in the database)", "import wall (in-process)", "database",
            "RSS idle / after cold / after warm"]
    rows = []
    for label, kv in d["scalekv"].items():
        summ = kv.get("import_summary", "")
        reps = cats = "?"
        for part in summ.split(";"):
            if "database now holds" in part:
                reps = part.rsplit("holds", 1)[1].split()[0]
            if part.startswith("categories:"):
                cats = part.split(":")[1].split(",")[0].strip()
        rows.append([label, f"{int(reps):,} x {cats}" if reps.isdigit() else "?",
                     f"{fmt(num(kv.get('import_wall_s')), 3)} s "
                     f"({fmt(num(kv.get('import_internal_s')), 3)} s)",
                     f"{fmt(num(kv.get('db_bytes')) / 1048576, 1)} MB",
                     " / ".join(fmt(num(kv.get(k)) / 1024, 1) for k in
                                ("rss_idle_kb", "rss_cold_kb", "rss_warm_kb")) + " MB"])
    out.append(table(head, rows, ["---", "---:", "---:", "---:", "---:"]))
    out.append("")
    head = ["history", "path", "body bytes", "cold: 1st", "cold: median", "cold µs/KB",
            "warm: median (hit)", "client TTFB cold / warm"]
    rows = []
    for label, probes in d["scale"].items():
        paths = []
        for (mode, path) in probes:
            if path not in paths:
                paths.append(path)
        for path in paths:
            c, w = probes.get(("cold", path)), probes.get(("warm", path))
            if c is None or c["status"] != "ok":
                rows.append([label, path, "not served", "", "", "", "", ""])
                continue
            rows.append([label, f"`{path}`", fmt(c["bytes"]), f"{fmt(c['first'], 3)} ms",
                         f"{fmt(c['median'], 3)} ms",
                         fmt(c["median"] * 1000 / (c["bytes"] / 1024), 2) if c["bytes"] else "n/a",
                         f"{fmt(w['median'], 3)} ms" if w and w["status"] == "ok" else "n/a",
                         f"{fmt(c['ttfb'], 3)} / {fmt(w['ttfb'], 3) if w else 'n/a'} ms"])
    out.append(table(head, rows, ["---", "---", "---:", "---:", "---:", "---:", "---:", "---:"]))
    out.append("")
    out.append("Server time is the access log's `duration_ms` (first callback to completion, "
               "sending included), one keep-alive connection, requests one after another, "
               "9 per path. *cold*: a server with --cache-bytes 0, so every answer is computed "
               "(*1st* is the first request after start); *warm*: the cache on, the median of "
               "the 8 hits after the first request. *cold µs/KB*: the cold median over the "
               "body's size (no gzip: curl does not ask for it), the cost per KB of rendering. "
               "TTFB: curl's time_starttransfer, median.")
    syn = d["scalekv"].get("synthetic", {}).get("generated")
    if syn:
        out.append(f"\nSynthetic history (bench/synth.py, seed 1): {syn}.")
    return "\n".join(out)


def paired_304(d):
    """attrition's 304 vs 200 on the same URL, paired by round: (req/s ratio, CPU ratio)."""
    runs = d["runs"]
    if "revalidate-304" not in runs or "latest" not in runs:
        return None
    r, l = runs["revalidate-304"]["attrition"], runs["latest"]["attrition"]
    rounds = set(r) & set(l)
    if not rounds:
        return None
    rps = med([r[k]["rps"] / l[k]["rps"] for k in rounds])
    cpu = med([r[k]["cpu"] / l[k]["cpu"] for k in rounds])
    s304, s200 = summarize_row(runs["revalidate-304"]), summarize_row(runs["latest"])
    return rps, cpu, s304, s200


def verdict(ok):
    if ok is None:
        return "not measured"
    return "holds" if ok else "**misses**"


def ratio_targets(sums, aname, title):
    """Rows of the ratio and p99 targets for one configuration."""
    rows = []
    limits = {"latest": T_RATIO, "daily-month": T_RATIO, "records": T_RATIO,
              "revalidate-304": T_RATIO, "summary-month": T_RATIO_SUMMARY,
              "distinct-dates": T_RATIO}
    for row in CACHED_ROWS:
        if row in sums:
            s = sums[row]
            rows.append([f"{title}: ratio to tuned nginx >= {limits[row]:g} ({row})",
                         f"{s['ratio']:.2f} (pairs {s['ratio_lo']:.2f}-{s['ratio_hi']:.2f})",
                         verdict(s["ratio"] >= limits[row])])
    worst = max(sums.items(), key=lambda kv: kv[1]["a_p99"])
    rows.append([f"{title}: p99 < {T_P99_MS:.0f} ms at the run's connections (all rows)",
                 f"worst {ms(worst[1]['a_p99'])} ms ({worst[0]})",
                 verdict(worst[1]["a_p99"] / 1000 < T_P99_MS)])
    return rows


def targets_section(d, all_sums):
    rows = []
    for aname, title in (("attrition-log", "log on (default)"), ("attrition", "log off")):
        if all_sums.get(aname):
            rows += ratio_targets(all_sums[aname], aname, title)
    if all_sums:
        pr = paired_304(d)
        if pr:
            rps_ratio, cpu_ratio, r, l = pr
            ok = rps_ratio >= 0.98 and cpu_ratio <= 1.02
            rows.append(["304 revalidation no slower than a 200 (attrition log off, same rounds)",
                         f"req/s 304/200 {rps_ratio:.2f} ({fmt(r['a_rps'])} vs {fmt(l['a_rps'])}); "
                         f"CPU/req 304/200 {cpu_ratio:.2f} ({fmt(r['a_cpu'], 2)} vs "
                         f"{fmt(l['a_cpu'], 2)} µs)",
                         verdict(ok) + (" (within 2%)" if ok and (rps_ratio < 1 or cpu_ratio > 1)
                                        else "")])
        for row in ("latest", "revalidate-304"):
            s = pair(d["runs"].get(row, {}), "attrition-log", BARE)
            if s:
                rows.append([f"log on (default): ratio to bare libmicrohttpd >= {T_RATIO_BARE:g} "
                             f"({row}, issue 25)",
                             f"{s['ratio']:.2f} (rounds {s['lo']:.2f}-{s['hi']:.2f}; CPU/req "
                             f"{s['cpu_ratio']:.2f}x)", verdict(s["ratio"] >= T_RATIO_BARE)])
        rss = d["rss"].get("attrition-log", d["rss"].get("attrition"))
        if rss is not None:
            rows.append([f"peak RSS < {T_RSS_MB:.0f} MB, real history, under load",
                         f"{fmt(rss / 1024, 1)} MB (cache and log on)", verdict(rss / 1024 < T_RSS_MB)])
    sk = d["soak"]
    if sk:
        grow = (sk["rss1"] - sk["rss0"]) / 1024
        rows.append([f"no RSS growth over the soak ({fmt(sk['seconds'])} s here; the issue asks 3 min)",
                     f"{fmt(sk['rss0'] / 1024, 1)} -> {fmt(sk['rss1'] / 1024, 1)} MB",
                     verdict(grow < 1.0)])
    w = [x for _, x in d["warm"] if not math.isnan(x)]
    if w:
        kv = d["warmkv"]
        ok = kv.get("misses") == "0" and kv.get("hits") == kv.get("requests")
        rows.append(["first request of each warmed answer after a POST: a cache hit",
                     f"{kv.get('hits')} hits, {kv.get('misses')} misses of {kv.get('requests')}",
                     verdict(ok)])
        rows.append([f"... its server time < {T_WARM_FIRST_MS:g} ms",
                     f"median {fmt(med(w), 3)} ms, max {fmt(max(w), 3)} ms",
                     verdict(max(w) < T_WARM_FIRST_MS)])
    cold = (("real", "/v1/records/personnel", T_COLD_REAL_MS),
            ("real", "/v1/summary?group=month", T_COLD_REAL_MS),
            ("real", "/v1/daily", T_COLD_DAILY_MS),
            ("synthetic", "/v1/summary?group=month", T_COLD_SYN_MS))
    for label, path, limit in cold:
        probes = d["scale"].get(label)
        if not probes:
            continue
        c = probes.get(("cold", path))
        if c is None or c["status"] != "ok":
            rows.append([f"cold {path} < {limit:g} ms ({label})", "not served", verdict(None)])
            continue
        rows.append([f"cold `{path}` < {limit:g} ms server time ({label})",
                     f"median {fmt(c['median'], 3)} ms, first {fmt(c['first'], 3)} ms",
                     verdict(c["median"] < limit)])
    for label, limit in (("real", T_IMPORT_REAL_S), ("synthetic", T_IMPORT_SYN_S)):
        kv = d["scalekv"].get(label)
        if kv and "import_wall_s" in kv:
            w = num(kv["import_wall_s"])
            rows.append([f"import < {limit:g} s ({label})",
                         f"{fmt(w, 3)} s wall ({fmt(num(kv.get('import_internal_s')), 3)} s in "
                         f"import_files)", verdict(w < limit)])
    if not rows:
        return ""
    return table(["target (issues #6, #15)", "measured", "verdict"], rows)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    d = load(argv[1])
    results = argv[argv.index("--results") + 1] if "--results" in argv else None
    m = d["meta"]
    tp, sums = throughput_section(d)
    ex = extras_section(d, sums)
    wm = warm_section(d)
    bs = burst_section(d)
    sc = scale_section(d)
    tg = targets_section(d, sums)
    bare = bare_section(d)

    print()
    for title, body in (("Throughput (wrk on loopback)", tp), ("", ex),
                        ("The stack's limit: a bare libmicrohttpd program", bare),
                        ("Warming and soak", wm), ("Reads during a write burst", bs),
                        ("Scale: import, size, latency, memory", sc), ("Targets", tg)):
        if body:
            if title:
                print(f"## {title}\n")
            print(body + "\n")

    if not results:
        return 0
    notes, tail = None, ""
    if os.path.exists(results):
        text = open(results).read()
        a, b = text.find("<!-- notes -->"), text.find("<!-- /notes -->")
        if a >= 0 and b > a:
            notes = text[a:b + len("<!-- /notes -->")]
            # what follows the notes (other scripts' blocks between their own markers, such
            # as bench/events.py's, and hand-written text) is kept as it is
            tail = text[b + len("<!-- /notes -->"):].strip("\n")
    if notes is None:
        notes = ("<!-- notes -->\n(No hand-written notes yet: add them between these markers; "
                 "bench/report.py keeps them across runs.)\n<!-- /notes -->")
    md = ["# attrition benchmark results", "",
          "Written by `bench/run` (see the script's header for what it does); the figures "
          "are benchmark figures, not timed tests.", "",
          "## Run", "",
          f"- Date: {m.get('date', '?')}; command: `{m.get('args', 'bench/run').strip()}`; "
          f"took {m.get('runtime_s', '?')} s",
          f"- Machine: {m.get('cpu', '?')}, {m.get('cpus', '?')} CPUs, {m.get('mem', '?')}",
          f"- `uname -a`: `{m.get('uname', '?')}`",
          f"- attrition: {m.get('build', '?')}, commit {m.get('commit', '?')}",
          f"- nginx: {m.get('nginx', 'not used')} (Debian nginx-light); wrk: {m.get('wrk', 'not used')}",
          f"- Parameters: {m.get('params', '?')}; load average {m.get('load', '?')} (other "
          "work on the machine during a run shows here)",
          "- nginx, tuned: access_log off, sendfile off, open_file_cache max=1000, "
          "keepalive_requests 1000000; plain: access_log to a file, sendfile on, tcp_nopush on, "
          "no open file cache, keepalive_requests at its default (1000). Both serve attrition's "
          "exact answers as files, with the same Content-Type and added CORS/Cache-Control/Vary "
          "headers.", ""]
    for title, body in (("Throughput: attrition vs nginx", tp + ("\n\n" + ex if ex else "")),
                        ("The stack's limit: attrition vs a bare libmicrohttpd program", bare),
                        ("Warming: the first request after a change; soak", wm),
                        ("Reads during a write burst", bs),
                        ("Scale: import, size, latency, memory", sc),
                        ("Targets", tg)):
        if body:
            md += [f"## {title}", "", body, ""]
    md += ["## Notes", "", notes, ""]
    if tail:
        md += [tail, ""]
    with open(results, "w") as f:
        f.write("\n".join(md))
    print(f"(written to {results})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
