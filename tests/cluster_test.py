#!/usr/bin/python3
"""Several `attrition serve` on one PostgreSQL store (meson suite `cluster`).

    cluster_test.py cluster  SOURCE_ROOT   three replicas on one database: every write (a POST
                                           to one, a PUT to another, a deployment to the third,
                                           an external `attrition import`) is answered by all
                                           three with the same body and ETag within 1 s;
                                           concurrent writers on all replicas lose nothing;
                                           kill -9 of a replica during a write burst loses no
                                           acknowledged write; PostgreSQL stopped for 5 s then
                                           started: reads 200 throughout, writes 503 (never 500,
                                           never slower than 5 s) then work again, and a change
                                           made by another replica meanwhile is picked up; the
                                           password is in no log, /readyz, /metrics or
                                           /proc/PID/cmdline.
    cluster_test.py backends SOURCE_ROOT   the reference dataset imported into SQLite and into
                                           PostgreSQL: every GET of tests/contract_requests.json
                                           and the /dataset/ files answer the same bytes (and
                                           ETags) from both.
    cluster_test.py balancer SOURCE_ROOT   three replicas behind HAProxy (Debian's, run in the
                                           foreground) with deploy/haproxy.cfg as shipped but
                                           for its bind and server addresses: POSTs through it
                                           land one per replica and every replica answers them
                                           within 1 s; SIGTERM of one (drains: /readyz 503) and
                                           kill -9 of another while GETs stream through it: none
                                           fails, HAProxy takes each out within `fall` checks,
                                           POSTs are never resent; PostgreSQL stopped: GETs 200,
                                           POSTs 503 with Retry-After, no replica taken out,
                                           then 201 once it is back.

Each run makes its own throwaway cluster (scripts/pg-tmp, a Unix socket in a temporary
folder) and removes it. Exits 77 (skipped) with a message where PostgreSQL cannot start,
for `backends` where the dataset (ATTRITION_DATA) is absent, for `balancer` where haproxy is. Environment as for the other
tests (tests/meson.build): ATTRITION_BIN, ATTRITION_DATA, ATTRITION_TEST_TMP.
"""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

TOKEN = "cluster-test-token"
PASSWORD = "s3cret-pw"          # scripts/pg-tmp's role attrition_secret
SECRET_ROLE = "attrition_secret"
TIME_KEYS = {"stored_at"}       # when a value was written: differs between two imports


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def skip(msg):
    print("SKIP: " + msg, flush=True)
    sys.exit(77)


def note(msg):
    print(msg, flush=True)


# ---- the throwaway cluster -------------------------------------------------------------------

class Cluster:
    """scripts/pg-tmp's cluster in dir; stop()/start() of the server itself (pg_ctl)."""

    def __init__(self, root, tmp):
        self.root = root
        # In the system's temporary folder (TMPDIR): its path must be short (a Unix socket)
        # and reachable by the cluster's unprivileged owner, which the build tree may not be.
        del tmp
        self.dir = tempfile.mkdtemp(prefix="attrition-pg-")
        r = subprocess.run([os.path.join(root, "scripts", "pg-tmp"), "start", self.dir],
                           capture_output=True, text=True)
        if r.returncode == 77:
            os.rmdir(self.dir) if os.path.isdir(self.dir) and not os.listdir(self.dir) else None
            skip("PostgreSQL cannot start here: " + r.stderr.strip())
        if r.returncode != 0:
            fail("scripts/pg-tmp start: %s" % r.stderr.strip())
        self.admin_uri = r.stdout.strip()
        bindir = os.environ.get("PG_BINDIR")
        if not bindir:
            cands = sorted(d for d in (os.path.join("/usr/lib/postgresql", v, "bin")
                                       for v in os.listdir("/usr/lib/postgresql"))
                           if os.path.exists(os.path.join(d, "pg_ctl")))
            bindir = cands[-1]
        self.pg_ctl = os.path.join(bindir, "pg_ctl")
        st = os.stat(self.dir)
        self.as_owner = []
        if os.getuid() == 0:  # pg-tmp hands the cluster to an unprivileged user
            self.as_owner = ["setpriv", "--reuid=%d" % st.st_uid, "--regid=%d" % st.st_gid,
                             "--clear-groups", "--"]

    def psql(self, sql, db="postgres"):
        uri = self.admin_uri.replace("/postgres?", "/%s?" % db)
        r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", uri, "-c", sql],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail("psql %s: %s" % (sql, r.stderr.strip()))
        return r.stdout.strip()

    def create_db(self, name, owner=SECRET_ROLE):
        self.psql('CREATE DATABASE "%s" OWNER %s' % (name, owner))

    def uri(self, db, password=True):
        """The secret role's URI of database db (with its password unless told not to)."""
        cred = SECRET_ROLE + (":" + PASSWORD if password else "")
        return "postgresql://%s@/%s?host=%s&port=5432" % (cred, db, self.dir)

    def ctl(self, *args):
        r = subprocess.run(self.as_owner + [self.pg_ctl, "-D", os.path.join(self.dir, "data"),
                                            "-w", "-t", "30"] + list(args),
                           capture_output=True, text=True, cwd=self.dir)
        if r.returncode != 0:
            fail("pg_ctl %s: %s %s" % (" ".join(args), r.stdout, r.stderr))

    def stop_server(self):
        self.ctl("-m", "fast", "stop")

    def start_server(self):
        self.ctl("-l", os.path.join(self.dir, "server.log"), "start")

    def remove(self):
        subprocess.run([os.path.join(self.root, "scripts", "pg-tmp"), "stop", self.dir],
                       capture_output=True)


# ---- servers and requests --------------------------------------------------------------------

def wait_for(path, pattern, proc, what, timeout=60):
    deadline = time.time() + timeout
    rx = re.compile(pattern)
    while time.time() < deadline:
        with open(path, errors="replace") as f:
            m = rx.search(f.read())
        if m:
            return m
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.05)
    with open(path, errors="replace") as f:
        tail = f.read()[-3000:]
    fail("%s did not start (exit %s): %s" % (what, proc.poll() if proc else "?", tail))


class Server:
    def __init__(self, binary, db, log, env_db=False, token=True):
        self.binary, self.db, self.log = binary, db, log
        self.env_db, self.token = env_db, token
        self.proc = None
        self.starts = 0
        self.start()

    def start(self, port=0):
        """Starts (again) on port (0: one the OS picks; a balancer's restart: the old one)."""
        env = dict(os.environ)
        if self.token:
            env["ATTRITION_TOKEN"] = TOKEN
        args = [self.binary, "serve", "--bind", "127.0.0.1", "--port", str(port)]
        if self.env_db:
            env["ATTRITION_DB"] = self.db  # the password through the environment
        else:
            args += ["--db", self.db]      # through argv: main scrubs it
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
        # the listening line of this start (the log may hold an earlier start's)
        deadline = time.time() + 60
        while time.time() < deadline:
            with open(self.log, errors="replace") as f:
                text = f.read()
            m = list(re.finditer(r'"event":"listening".*?"port":(\d+)', text))
            if len(m) > self.starts and self.proc.poll() is None:
                self.port = int(m[-1].group(1))
                self.starts = len(m)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        fail("attrition serve did not start (exit %s): %s" % (self.proc.poll(),
             open(self.log, errors="replace").read()[-3000:]))

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def request(self, method, path, body=None, auth=False, timeout=30, headers=None):
        """(status, body bytes, headers dict lower-cased); status 0 on a transport error."""
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode() if not isinstance(body, (bytes, str)) else \
                (body.encode() if isinstance(body, str) else body)
            h.setdefault("Content-Type", "application/json")
        if auth:
            h["Authorization"] = "Bearer " + TOKEN
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            return r.status, r.read(), {k.lower(): v for k, v in r.getheaders()}
        except (OSError, http.client.HTTPException):
            return 0, b"", {}
        finally:
            c.close()

    def get_json(self, path):
        st, b, _ = self.request("GET", path)
        if st != 200:
            fail("GET %s on :%d: %d %s" % (path, self.port, st, b[:300]))
        return json.loads(b)


def same_everywhere(servers, path, want=None, timeout=1.0):
    """Polls path on every server until all answer 200 with the same body and ETag (and, with
    want, a body holding want). Returns the seconds it took; fails after timeout."""
    t0 = time.monotonic()
    while True:
        answers = [s.request("GET", path) for s in servers]
        bodies = {a[1] for a in answers}
        etags = {a[2].get("etag") for a in answers}
        if all(a[0] == 200 for a in answers) and len(bodies) == 1 and len(etags) == 1 and \
                (want is None or want.encode() in answers[0][1]):
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            fail("%s: the replicas differ after %.1f s: %s" % (
                path, timeout, [(a[0], a[2].get("etag"), a[1][:160]) for a in answers]))
        time.sleep(0.02)


D0, D1 = "2023-01-01", "2023-01-02"


def report(date, personnel, tanks=100):
    return {"date": date, "totals": {"personnel": personnel, "tanks": tanks}}


def dates(start_day, n):
    """n ISO dates from 2023-01-01 + start_day on (the database holds no dataset)."""
    import datetime
    d0 = datetime.date(2023, 1, 1)
    return [(d0 + datetime.timedelta(days=start_day + i)).isoformat() for i in range(n)]


# ---- cluster ---------------------------------------------------------------------------------

def run_import(binary, db, files, log):
    with open(log, "ab") as out:
        r = subprocess.run([binary, "import", "--db", db] + files, stdout=out,
                           stderr=subprocess.STDOUT)
    if r.returncode != 0:
        fail("attrition import %s: exit %d (%s)" % (files, r.returncode, log))


def check_propagation(servers, binary, db, tmp):
    a, b, c = servers
    timings = {}
    # a POST to one
    st, body, _ = a.request("POST", "/v1/reports", report(D0, 1000), auth=True)
    if st != 201:
        fail("POST on a: %d %s" % (st, body[:300]))
    timings["POST"] = same_everywhere(servers, "/v1/reports/" + D0, '"personnel":1000')
    same_everywhere(servers, "/v1/cumulative/latest")
    # a PUT to another
    st, body, _ = b.request("PUT", "/v1/reports/" + D0, report(D0, 1100), auth=True)
    if st != 200:
        fail("PUT on b: %d %s" % (st, body[:300]))
    timings["PUT"] = same_everywhere(servers, "/v1/reports/" + D0, '"personnel":1100')
    same_everywhere(servers, "/v1/reports/" + D0 + "/history")
    # a deployment to the third
    est = {"country": "KP", "deployed_to": "RU", "figure": 12345, "kind": "reported",
           "as_of": D0, "source": {"name": "cluster test"}}
    st, body, h = c.request("POST", "/v1/deployments", est, auth=True)
    if st != 201:
        fail("POST /v1/deployments on c: %d %s" % (st, body[:300]))
    loc = h.get("location")
    timings["deployment"] = same_everywhere(servers, loc, '"figure":12345')
    same_everywhere(servers, "/v1/deployments")
    # an external import of a small file (the ministry's personnel file's shape)
    small = os.path.join(tmp, "small.json")
    with open(small, "w") as f:
        json.dump([{"date": D1, "day": 2000, "personnel": 1200, "personnel*": "about"}],
                  f)
    run_import(binary, db, [small], os.path.join(tmp, "import.log"))
    timings["import"] = same_everywhere(servers, "/v1/daily/" + D1, '"personnel":')
    same_everywhere(servers, "/v1/cumulative/latest", '"personnel":1200')
    note("propagation: every replica answers the same within %s" %
         ", ".join("%s %.0f ms" % (k, v * 1000) for k, v in timings.items()))


def check_concurrent(servers):
    """4 writers per replica, distinct dates: every report is stored and served by all."""
    per, writers = 8, 4
    errors = []

    def writer(srv, k):
        for i, d in enumerate(dates(100 + k * per, per)):
            st, body, _ = srv.request("POST", "/v1/reports", report(d, 2000 + k * per + i),
                                      auth=True)
            if st != 201:
                errors.append("%s on :%d: %d %s" % (d, srv.port, st, body[:200]))

    threads = [threading.Thread(target=writer, args=(s, i * writers + w))
               for i, s in enumerate(servers) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        fail("concurrent writes refused: %s" % errors[:5])
    total = per * writers * len(servers)
    want = dates(100, total)
    for s in servers:
        deadline = time.monotonic() + 2
        while True:
            got = s.get_json("/v1/cumulative?from=%s&to=%s&category=personnel&limit=1000" %
                             (want[0], want[-1]))
            n = len(got.get("series", []))
            if n == total or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if n != total:
            fail(":%d serves %d of the %d concurrent reports: %s" % (s.port, n, total,
                                                                       str(got)[:300]))
    note("concurrent: %d writers on %d replicas, %d reports, all served by every replica" %
         (writers * len(servers), len(servers), total))


def check_kill9(servers):
    """kill -9 of a replica while writers hit it: every acknowledged write is stored."""
    a, b, _ = servers
    acked, lock = [], threading.Lock()
    stop = threading.Event()

    def writer(k):
        for d in dates(200 + k * 100, 100):
            if stop.is_set():
                return
            st, _, _ = a.request("POST", "/v1/reports", report(d, 5000), auth=True, timeout=5)
            if st == 201:
                with lock:
                    acked.append(d)
            elif st == 0:
                return

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while len(acked) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    a.kill9()
    stop.set()
    for t in threads:
        t.join()
    if len(acked) < 5:
        fail("too few writes were acknowledged before the kill: %d" % len(acked))
    time.sleep(0.3)
    missing = []
    for d in acked:
        st, _, _ = b.request("GET", "/v1/reports/" + d)
        if st != 200:
            missing.append((d, st))
    if missing:
        fail("acknowledged writes lost after kill -9: %s" % missing[:10])
    note("kill -9: %d writes acknowledged before the kill, all stored" % len(acked))
    a.start()


def check_outage(cluster, servers):
    """PostgreSQL stopped for 5 s, then started again."""
    a, b, c = servers
    reads = ["/v1/cumulative/latest", "/v1/daily/latest", "/v1/records", "/v1/categories"]
    before = {p: a.request("GET", p)[1] for p in reads}
    cluster.stop_server()
    t0 = time.monotonic()
    statuses, slowest, n_reads = set(), 0.0, 0
    i = 0
    while time.monotonic() - t0 < 5:
        for s in servers:
            for p in reads:
                st, body, _ = s.request("GET", p, timeout=10)
                n_reads += 1
                if st != 200 or body != before[p]:
                    fail("read %s on :%d during the outage: %d %s" % (p, s.port, st, body[:200]))
        s = servers[i % 3]
        i += 1
        w0 = time.monotonic()
        st, body, h = s.request("POST", "/v1/reports", report(dates(650 + i, 1)[0], 7000),
                                auth=True, timeout=30)
        took = time.monotonic() - w0
        slowest = max(slowest, took)
        statuses.add(st)
        if st != 503:
            fail("a write during the outage answered %d (want 503) after %.1f s: %s" %
                 (st, took, body[:300]))
        if took > 5:
            fail("a write during the outage took %.1f s (want < 5 s)" % took)
        if "retry-after" not in h or b"unreachable" not in body:
            fail("the outage's 503 lacks Retry-After or its detail: %s %s" % (h, body[:300]))
        time.sleep(0.1)
    # /readyz stays 200 and says the store is away; /metrics too
    for s in servers:
        r = s.get_json("/readyz")
        if r.get("store", {}).get("reachable") is not False or not r["store"].get("since"):
            fail("/readyz during the outage: %s" % r.get("store"))
        st, m, _ = s.request("GET", "/metrics")
        if b'attrition_store_up{backend="postgresql"} 0' not in m or \
                re.search(rb"\nattrition_store_down_since_seconds [1-9]", m) is None:
            fail("/metrics during the outage lacks attrition_store_up 0 / down_since")
    note("outage: %d reads 200 with the same bodies, %d writes 503 with Retry-After (slowest "
         "%.2f s)" % (n_reads, i, slowest))
    cluster.start_server()
    t1 = time.monotonic()
    # b writes as soon as it can; a and c must pick the change up (their LISTEN was lost)
    d = dates(800, 1)[0]
    while True:
        st, body, _ = b.request("POST", "/v1/reports", report(d, 8000), auth=True, timeout=30)
        if st in (200, 201):  # 200: an earlier try stored it (its 503 said so)
            break
        if st != 503:
            fail("a write after the restart answered %d: %s" % (st, body[:300]))
        if time.monotonic() - t1 > 20:
            fail("writes did not recover within 20 s of the restart")
        time.sleep(0.1)
    recovered = time.monotonic() - t1
    same_everywhere(servers, "/v1/reports/" + d, '"personnel":8000', timeout=15)
    caught = time.monotonic() - t1
    for s in servers:
        deadline = time.monotonic() + 10
        while s.get_json("/readyz")["store"]["reachable"] is not True:
            if time.monotonic() > deadline:
                fail("/readyz on :%d still says unreachable" % s.port)
            time.sleep(0.1)
        st, body, _ = s.request("POST", "/v1/reports", report(dates(850 + s.port % 100, 1)[0],
                                                              9000), auth=True)
        if st != 201:
            fail("a write on :%d after recovery: %d %s" % (s.port, st, body[:200]))
    for s in servers:
        text = open(s.log, errors="replace").read()
        if text.count('"event":"store_unreachable"') != 1 or \
                text.count('"event":"store_reachable"') != 1:
            fail("%s: want one store_unreachable and one store_reachable line, got %d and %d" % (
                s.log, text.count('"event":"store_unreachable"'),
                text.count('"event":"store_reachable"')))
    note("recovery: writes work %.2f s after PostgreSQL started; every replica serves the "
         "change made meanwhile %.2f s after" % (recovered, caught))


SYNC_LOCK_KEY = 0x6174747273796e63  # core/store_cluster.c: "attrsync"


def check_sync_lock(cluster, binary, db, tmp):
    """While another session holds the sync round's advisory lock (as a replica running a
    round does), `attrition sync` skips its round and says why; once it is free, it runs."""
    uri = cluster.admin_uri.replace("/postgres?", "/cluster?")
    holder = subprocess.Popen(["psql", "-X", "-q", uri], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    holder.stdin.write("SELECT pg_advisory_lock(%d);\n" % SYNC_LOCK_KEY)
    holder.stdin.flush()
    try:
        deadline = time.monotonic() + 10
        while cluster.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                           "granted", db="cluster") == "0":
            if time.monotonic() > deadline:
                fail("the lock holder did not take the lock")
            time.sleep(0.05)
        src = "dataset:http://127.0.0.1:9/nothing/"  # never fetched when skipped
        r = subprocess.run([binary, "sync", "--db", db, "--source", src, "--timeout", "2"],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0 or "skipped: another replica is syncing" not in r.stdout:
            fail("sync while another holds the round: exit %d, %s %s" % (r.returncode,
                                                                         r.stdout, r.stderr))
    finally:
        holder.stdin.write("SELECT pg_advisory_unlock(%d);\n" % SYNC_LOCK_KEY)
        holder.stdin.close()  # psql ends; its session and lock with it
        holder.wait()
    r = subprocess.run([binary, "sync", "--db", db, "--source", src, "--timeout", "2"],
                       capture_output=True, text=True, timeout=60)
    if "skipped" in r.stdout or "127.0.0.1:9" not in r.stdout + r.stderr:
        fail("sync with the round free did not run: exit %d, %s %s" % (r.returncode, r.stdout,
                                                                       r.stderr))
    note("sync: skipped while another session held the round's lock, ran once it was free")


def check_secrets(servers, logs):
    needle = PASSWORD.encode()
    for s in servers:
        for p in ("/readyz", "/metrics"):
            if needle in s.request("GET", p)[1]:
                fail("the password shows in %s" % p)
        with open("/proc/%d/cmdline" % s.proc.pid, "rb") as f:
            cmd = f.read()
        if needle in cmd:
            fail("the password shows in /proc/%d/cmdline: %r" % (s.proc.pid, cmd))
    for path in logs:
        with open(path, "rb") as f:
            if needle in f.read():
                fail("the password shows in %s" % path)
    note("secrets: the password is in no log, /readyz, /metrics or /proc/PID/cmdline")


def cluster_main(root, binary, tmp):
    cluster = Cluster(root, tmp)
    servers = []
    try:
        cluster.create_db("cluster")
        db = cluster.uri("cluster")
        logs = [os.path.join(tmp, "replica-%d.log" % i) for i in range(3)]
        servers = [Server(binary, db, logs[i], env_db=(i == 2)) for i in range(3)]
        check_propagation(servers, binary, db, tmp)
        check_concurrent(servers)
        check_kill9(servers)
        check_outage(cluster, servers)
        check_sync_lock(cluster, binary, db, tmp)
        check_secrets(servers, logs + [os.path.join(tmp, "import.log")])
    finally:
        for s in servers:
            s.stop()
        cluster.remove()
    note("cluster: all checks passed")


# ---- backends --------------------------------------------------------------------------------

def strip_times(v):
    if isinstance(v, dict):
        return {k: strip_times(x) for k, x in v.items() if k not in TIME_KEYS}
    if isinstance(v, list):
        return [strip_times(x) for x in v]
    return v


def backends_main(root, binary, tmp):
    data = os.environ.get("ATTRITION_DATA", "")
    files = [os.path.join(data, n) for n in ("russia_losses_personnel.json",
             "russia_losses_equipment.json", "russia_losses_equipment_correction.json")]
    if not all(os.path.exists(f) for f in files):
        skip("the reference dataset is absent (ATTRITION_DATA=%s)" % data)
    with open(os.path.join(root, "tests", "contract_requests.json")) as f:
        reqs = json.load(f)["requests"]
    paths = []
    for r in reqs:
        p = r["path"]
        if r["method"] != "GET" or "{" in p or r.get("server") or r.get("headers") or \
                r.get("stream") or p in ("/metrics", "/readyz") or p in paths:
            continue
        paths.append(p)
    paths += ["/dataset/russia_losses_personnel.json", "/dataset/russia_losses_equipment.json",
              "/dataset/russia_losses_equipment_correction.json", "/v1/cumulative",
              "/v1/daily", "/v1/reports/2024-10-25/history", "/v1/reports.atom"]
    paths = list(dict.fromkeys(paths))
    cluster = Cluster(root, tmp)
    servers = []
    try:
        cluster.create_db("backends")
        pg = cluster.uri("backends")
        lite = os.path.join(tmp, "backends.db")
        t0 = time.monotonic()
        run_import(binary, lite, files, os.path.join(tmp, "import-sqlite.log"))
        t1 = time.monotonic()
        run_import(binary, pg, files, os.path.join(tmp, "import-pg.log"))
        t2 = time.monotonic()
        note("import of the dataset: SQLite %.2f s, PostgreSQL %.2f s" % (t1 - t0, t2 - t1))
        servers = [Server(binary, lite, os.path.join(tmp, "sqlite.log"), token=False),
                   Server(binary, pg, os.path.join(tmp, "pg.log"), token=False)]
        same, near, diffs = 0, [], []
        for p in paths:
            # one Host for both: links in answers are made from it
            (s1, b1, h1), (s2, b2, h2) = [s.request("GET", p, headers={"Host": "attrition.test"})
                                          for s in servers]
            if s1 == s2 and b1 == b2 and h1.get("etag") == h2.get("etag"):
                same += 1
                continue
            try:
                j1, j2 = strip_times(json.loads(b1)), strip_times(json.loads(b2))
            except ValueError:  # the Atom feed: its <updated> are the stored_at times
                j1, j2 = [re.sub(rb"<updated>[^<]*</updated>", b"", b) for b in (b1, b2)]
            if s1 == s2 and j1 == j2:
                near.append(p)
                continue
            diffs.append("%s: %d %s %r\n   vs %d %s %r" % (p, s1, h1.get("etag"), b1[:300], s2,
                                                          h2.get("etag"), b2[:300]))
        if diffs:
            fail("%d of %d answers differ between SQLite and PostgreSQL:\n%s" % (
                len(diffs), len(paths), "\n".join(diffs[:10])))
        note("backends: %d GET answers byte-identical (bodies and ETags) from SQLite and "
             "PostgreSQL; %d identical but for when each import stored the values (%s, the "
             "feed's <updated>): %s" % (same, len(near), ", ".join(sorted(TIME_KEYS)),
                                        ", ".join(near)))
    finally:
        for s in servers:
            s.stop()
        cluster.remove()


# ---- balancer --------------------------------------------------------------------------------

def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def balancer_config(shipped, port, servers):
    """deploy/haproxy.cfg with only what differs here rewritten; every other line as shipped.
      - `bind :8080` -> `bind 127.0.0.1:PORT`: loopback only, a free port the OS picked (the
        tests never use fixed ports);
      - the three `server attrition-N attrition-N:8080` -> `server attrition-N 127.0.0.1:PORT`
        of the replicas (no container DNS here: the names would not resolve).
    Kept as shipped: the resolvers section and `resolvers dns init-addr ...` (harmless with
    literal addresses), `inter 2s fall 2 rise 2`, the retries, timeouts and the /readyz check.
    Fails when a line to rewrite is not there (the shipped file changed: update the test)."""
    out, n_bind, n_server = [], 0, 0
    for line in shipped.splitlines():
        m = re.match(r"(\s*)bind\s+:8080\s*$", line)
        if m:
            line, n_bind = "%sbind 127.0.0.1:%d" % (m.group(1), port), n_bind + 1
        m = re.match(r"(\s*)server\s+attrition-(\d)\s+attrition-\d:8080\s*$", line)
        if m:
            i = int(m.group(2)) - 1
            line = "%sserver attrition-%d 127.0.0.1:%d" % (m.group(1), i + 1, servers[i].port)
            n_server += 1
        out.append(line)
    if n_bind != 1 or n_server != len(servers):
        fail("deploy/haproxy.cfg: want one `bind :8080` and %d `server attrition-N "
             "attrition-N:8080` lines to rewrite, found %d and %d" % (len(servers), n_bind,
                                                                    n_server))
    return "\n".join(out) + "\n"


def check_setting(shipped, rx):
    m = re.search(rx, shipped)
    if not m:
        fail("deploy/haproxy.cfg lacks %s" % rx)
    return m.group(1)


class Balancer(Server):
    """HAProxy (Debian's, as the current user, in the foreground: -db) with cfg; its log
    (stdout and stderr) in log. request()/get_json() as Server's, through the balancer."""

    def __init__(self, haproxy, cfg, port, log):
        self.port, self.log = port, log
        self.token = True
        with open(log, "ab") as out:
            self.proc = subprocess.Popen([haproxy, "-db", "-f", cfg], stdout=out,
                                         stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                fail("haproxy exited (%s): %s" % (self.proc.returncode, self.text()[-3000:]))
            if self.request("GET", "/readyz", timeout=2)[0] == 200:
                return
            time.sleep(0.1)
        fail("haproxy did not answer /readyz within 30 s: %s" % self.text()[-3000:])

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def served(self):
        """[(server, status, method, path)] of the access log's lines so far (option httplog)."""
        return re.findall(r' attrition/(attrition-\d) \S+ (\d{3}) .*?"(\w+) (\S+) HTTP',
                          self.text())

    def down_lines(self, name):
        return len(re.findall(r"Server attrition/%s is DOWN" % name, self.text()))

    def up_lines(self, name):
        return len(re.findall(r"Server attrition/%s is UP" % name, self.text()))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Stream:
    """Threads GETting path through the balancer without pause until stop(): every answer's
    (monotonic time, status) (status 0: connection error or timeout)."""

    def __init__(self, lb, path, threads=2):
        self.lb, self.path = lb, path
        self.done = threading.Event()
        self.results, self.lock = [], threading.Lock()
        # daemons: a fail() meanwhile must not leave the test hanging on them
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def run(self):
        while not self.done.is_set():
            st, _, _ = self.lb.request("GET", self.path, timeout=10)
            with self.lock:
                self.results.append((time.monotonic(), st))

    def stop(self):
        self.done.set()
        for t in self.threads:
            t.join()
        return self.results


def bad(results, t_from=0.0, t_to=float("inf")):
    """(requests, failures: 5xx or no answer) answered in [t_from, t_to)."""
    sel = [st for t, st in results if t_from <= t < t_to]
    return len(sel), sum(1 for st in sel if st == 0 or st >= 500)


def wait_log(lb, count_fn, name, n, timeout, what):
    """Waits until count_fn(name) reaches n; returns the monotonic time it was seen."""
    deadline = time.monotonic() + timeout
    while count_fn(name) < n:
        if time.monotonic() > deadline:
            fail("haproxy did not log %s within %.0f s: %s" % (what, timeout, lb.text()[-2000:]))
        time.sleep(0.05)
    return time.monotonic()


def lb_reads_writes(lb, servers):
    """(1) Writes through the balancer land on every replica in turn; every replica (and the
    balancer, several times) answers each within 1 s with the same body."""
    before = len(lb.served())
    for k, d in enumerate(dates(0, 3)):
        st, body, h = lb.request("POST", "/v1/reports", report(d, 1000 + k), auth=True)
        if st != 201:
            fail("POST %s through the balancer: %d %s" % (d, st, body[:300]))
    deadline = time.monotonic() + 5  # HAProxy writes a request's log line after answering
    while True:
        posts = [s for s, st, m, p in lb.served()[before:] if m == "POST"]
        if len(posts) >= 3 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if sorted(posts) != ["attrition-1", "attrition-2", "attrition-3"]:
        fail("the 3 POSTs were not served one by each replica: %s" % posts)
    worst = 0.0
    for k, d in enumerate(dates(0, 3)):
        path = "/v1/reports/" + d
        took = same_everywhere(servers, path, '"personnel":%d' % (1000 + k))
        want = servers[0].request("GET", path)[1]
        got = {lb.request("GET", path)[1] for _ in range(6)}
        if got != {want}:
            fail("GET %s through the balancer: %d different bodies" % (path, len(got)))
        worst = max(worst, took)
    gets = {s for s, st, m, p in lb.served()[before:] if m == "GET" and st == "200"}
    if len(gets) != 3:
        fail("the GETs through the balancer reached only %s" % sorted(gets))
    note("balancer: 3 POSTs (201) through HAProxy served one by each replica; every replica "
         "answered each within %.0f ms, 6 GETs through the balancer the same body" %
         (worst * 1000))


def lb_sigterm(lb, victim, name, inter, fall):
    """(2) SIGTERM of a replica: it drains (/readyz 503 on a connection it already had),
    HAProxy takes it out, and GETs through the balancer meanwhile never fail."""
    c = http.client.HTTPConnection("127.0.0.1", victim.port, timeout=10)
    c.request("GET", "/readyz")
    r = c.getresponse()
    r.read()
    if r.status != 200:
        fail("%s /readyz before SIGTERM: %d" % (name, r.status))
    stream = Stream(lb, "/v1/cumulative/latest")
    time.sleep(0.5)
    t0 = time.monotonic()
    victim.proc.send_signal(signal.SIGTERM)
    wait_for(victim.log, r'"event":"stopping"', None, name + " stopping", timeout=10)
    try:
        c.request("GET", "/readyz")  # the same connection: drained, not cut
        r = c.getresponse()
        r.read()
    except (OSError, http.client.HTTPException) as e:
        fail("%s closed a connection it had at SIGTERM instead of draining it: %s" % (name, e))
    c.close()  # the drain waits for it no longer
    if r.status != 503:
        fail("%s /readyz while draining: %d (want 503)" % (name, r.status))
    t_down = wait_log(lb, lb.down_lines, name, 1, (fall + 2) * inter, name + " DOWN")
    time.sleep(1.0)
    res = stream.stop()
    n, nbad = bad(res)
    if nbad:
        fail("%d of %d GETs through the balancer failed around the SIGTERM of %s: %s" % (
            nbad, n, name, [st for _, st in res if st == 0 or st >= 500][:10]))
    try:
        code = victim.proc.wait(15)
    except subprocess.TimeoutExpired:
        fail("%s did not exit within 15 s of SIGTERM" % name)
    if code != 0:
        fail("%s exited %d after SIGTERM (want 0)" % (name, code))
    note("SIGTERM of %s: /readyz 503 while draining, HAProxy took it out %.1f s later, exit "
         "0 after %.1f s; %d GETs through the balancer meanwhile, 0 failed" % (
             name, t_down - t0, time.monotonic() - t0, n))


def lb_kill9(lb, victim, name, inter, fall):
    """(3) kill -9 of a replica: HAProxy takes it out after at most `fall` checks; no GET
    through the balancer fails after that (those within that window are counted)."""
    stream = Stream(lb, "/v1/cumulative/latest")
    writes, stop = [], threading.Event()

    import datetime
    # distinct dates: a POST sent twice would answer 200 or 409, not 201; from 2024-03-26
    # (dates() day 450: the other steps use days 0-449) up to yesterday, since a future day
    # is 422, however many POSTs the machine's speed fits into the window
    last = (datetime.date.today() - datetime.date(2023, 1, 1)).days - 1

    def writer():
        for d in dates(450, last - 450):
            if stop.is_set():
                return
            st, body, _ = lb.request("POST", "/v1/reports", report(d, 6000), auth=True)
            writes.append((d, st, body[:200]))

    wt = threading.Thread(target=writer, daemon=True)
    wt.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    victim.kill9()
    t_down = wait_log(lb, lb.down_lines, name, 1, (fall + 2) * inter, name + " DOWN")
    if t_down - t0 > (fall + 1) * inter:
        fail("HAProxy took %s out %.1f s after kill -9 (want <= %d checks of %.0f s)" % (
            name, t_down - t0, fall, inter))
    time.sleep(2.0)
    res = stream.stop()
    stop.set()
    wt.join()
    odd = [w for w in writes if w[1] not in (201, 502)]
    if odd:  # 502: the one in flight on the killed replica; never retried elsewhere
        fail("POSTs through the balancer around kill -9 answered %s" % odd[:5])
    lost = [d for d, st, _ in writes if st == 201 and lb.request("GET", "/v1/reports/" + d)[0]
            != 200]
    if lost:
        fail("acknowledged POSTs lost after kill -9: %s" % lost[:5])
    n_in, bad_in = bad(res, t0, t_down)
    n_after, bad_after = bad(res, t_down)
    if bad_after:
        fail("%d of %d GETs through the balancer failed after HAProxy took %s out" % (
            bad_after, n_after, name))
    failed = ", ".join("%d at +%.2f s" % (st, t - t0) for t, st in res
                       if t0 <= t < t_down and (st == 0 or st >= 500))
    note("kill -9 of %s: HAProxy took it out %.1f s later (fall %d, inter %.0f s); GETs "
         "through the balancer: %d of %d failed within that window%s, 0 of %d after; POSTs "
         "meanwhile: %d 201 (all stored), %d 502 (in flight on it, not resent)" % (
             name, t_down - t0, fall, inter, bad_in, n_in,
             " (status, when: %s)" % failed if failed else "", n_after,
             sum(1 for w in writes if w[1] == 201), sum(1 for w in writes if w[1] == 502)))
    if bad_in:  # haproxy.cfg retries a read whose replica died under it (empty-response)
        fail("GETs through the balancer failed within the fall window: %s" % failed)


def lb_outage(lb, cluster, inter):
    """(4) PostgreSQL stopped: GETs through the balancer 200 (no replica taken out: /readyz
    stays 200), POSTs 503 with Retry-After; started again: a POST 201."""
    downs = [lb.down_lines("attrition-%d" % i) for i in (1, 2, 3)]
    cluster.stop_server()
    t0 = time.monotonic()
    n_get, n_post, i = 0, 0, 0
    while time.monotonic() - t0 < 2 * inter + 1:  # long enough for the checks to run twice
        for _ in range(5):
            st, body, _ = lb.request("GET", "/v1/cumulative/latest", timeout=10)
            n_get += 1
            if st != 200:
                fail("GET through the balancer with PostgreSQL stopped: %d %s" % (st, body[:200]))
        i += 1
        st, body, h = lb.request("POST", "/v1/reports", report(dates(300 + i, 1)[0], 7000),
                                 auth=True, timeout=10)
        n_post += 1
        if st != 503 or "retry-after" not in h:
            fail("POST through the balancer with PostgreSQL stopped: %d %s %s" % (st, h,
                                                                                 body[:300]))
        time.sleep(0.2)
    if [lb.down_lines("attrition-%d" % i) for i in (1, 2, 3)] != downs:
        fail("HAProxy took a replica out while PostgreSQL was stopped: %s" % lb.text()[-2000:])
    cluster.start_server()
    t1 = time.monotonic()
    d = dates(400, 1)[0]
    while True:
        st, body, _ = lb.request("POST", "/v1/reports", report(d, 8000), auth=True, timeout=30)
        if st in (200, 201):
            break
        if st != 503 or time.monotonic() - t1 > 20:
            fail("POST through the balancer after PostgreSQL started: %d %s" % (st, body[:300]))
        time.sleep(0.1)
    note("PostgreSQL stopped %.1f s: %d GETs through the balancer 200, %d POSTs 503 with "
         "Retry-After, no replica taken out; started again: POST %d after %.2f s" % (
             t1 - t0, n_get, n_post, st, time.monotonic() - t1))


def balancer_main(root, binary, tmp):
    haproxy = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")
    if not haproxy:
        skip("haproxy is not installed (Debian package haproxy: scripts/deps test)")
    with open(os.path.join(root, "deploy", "haproxy.cfg")) as f:
        shipped = f.read()
    inter = float(check_setting(shipped, r"default-server[^\n]*\binter (\d+)s\b"))
    fall = int(check_setting(shipped, r"default-server[^\n]*\bfall (\d+)\b"))
    cluster = Cluster(root, tmp)
    servers, lb = [], None
    try:
        cluster.create_db("balancer")
        db = cluster.uri("balancer")
        servers = [Server(binary, db, os.path.join(tmp, "replica-%d.log" % i), env_db=True)
                   for i in range(3)]
        cfg = os.path.join(tmp, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(balancer_config(shipped, free_port(), servers))
        lb = Balancer(haproxy, cfg, int(re.search(r"bind 127.0.0.1:(\d+)",
                                                  open(cfg).read()).group(1)),
                      os.path.join(tmp, "haproxy.log"))
        lb_reads_writes(lb, servers)
        lb_sigterm(lb, servers[0], "attrition-1", inter, fall)
        lb_kill9(lb, servers[1], "attrition-2", inter, fall)
        # both back on their ports: HAProxy puts them back after `rise` good checks
        for i in (0, 1):
            servers[i].start(port=servers[i].port)
        for i in (1, 2):
            wait_log(lb, lb.up_lines, "attrition-%d" % i, 1, 4 * inter, "attrition-%d UP" % i)
        note("restarted: HAProxy put attrition-1 and attrition-2 back")
        lb_outage(lb, cluster, inter)
    finally:
        if lb:
            lb.stop()
        for s in servers:
            s.stop()
        cluster.remove()
    note("balancer: all checks passed")


MODES = {"cluster": cluster_main, "backends": backends_main, "balancer": balancer_main}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in MODES:
        print(__doc__)
        return 2
    root = sys.argv[2]
    binary = os.environ.get("ATTRITION_BIN")
    if not binary:
        fail("ATTRITION_BIN is not set (run through meson test)")
    base = os.environ.get("ATTRITION_TEST_TMP") or tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="cluster-", dir=base)  # logs, files; the cluster: Cluster
    try:
        MODES[sys.argv[1]](root, binary, tmp)
    finally:
        if not os.environ.get("ATTRITION_KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
