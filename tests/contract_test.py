#!/usr/bin/python3
"""The contract (config/openapi.json), checked by tools others wrote.

    contract_test.py lint SOURCE_ROOT
        Redocly CLI's recommended rules (redocly.yaml) on config/openapi.json: no error, no
        warning, nothing ignored.
    contract_test.py contract SOURCE_ROOT
        Real servers (ATTRITION_BIN serve on OS-picked ports, a fresh database with the dataset
        of ATTRITION_DATA imported) behind Stoplight Prism's validation proxy; every request of
        tests/contract_requests.json (see its "about") goes through it and every answer Prism
        can match to an operation must conform: no violation in Prism's `sl-violations` header.

Both exit 77 (skipped, with the reason) where Node.js or the npm tools (`scripts/deps test`
runs `npm ci`) are missing; `contract` also where the dataset is. Python 3 stdlib only.

Prism runs without --errors: with it, Prism answers a request that breaks the spec itself (a
bad date, a missing token, a wrong content type: 422/401/415 of its own) and the server's
answer to bad input would never be checked. Without it Prism forwards every request and still
validates every answer it can match, reporting what is wrong in `sl-violations` (locations
under "response"; those under "request" say the request breaks the spec, which the data file
must then say with "request_conforms": false).
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
import time

SKIP = 77
TOKEN = "contract-test-token"
# The server's largest body for this test: a 413 is then a 20 KB body, which Prism finishes
# writing upstream before the server answers and closes (with the default 1 MiB, Prism's write
# fails with EPIPE and it answers 500 itself).
MAX_BODY = 16384


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


def fail(failures):
    for f in failures:
        print("FAIL: " + f)
    print("%d failure(s)" % len(failures))
    sys.exit(1)


def node_tools(root, names):
    """Checks Node.js and the npm tools; returns {name: path}. Exits 77 where one is missing."""
    node = shutil.which("node")
    if node is None:
        skip("Node.js is not installed (scripts/deps test installs it and the npm tools)")
    out = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    m = re.match(r"v(\d+)\.(\d+)", out)
    # @redocly/cli 2.77.0 declares node >= 20.19 (20.x) or >= 22.12; prism-cli 5.14.2 >= 18.20.1
    if not m or (int(m.group(1)), int(m.group(2))) < (20, 19) or \
            (int(m.group(1)) == 22 and int(m.group(2)) < 12) or int(m.group(1)) == 21:
        skip("Node.js %s is too old for @redocly/cli (needs 20.19+ or 22.12+)" % out)
    tools = {}
    for name in names:
        path = os.path.join(root, "node_modules", ".bin", name)
        if not os.access(path, os.X_OK):
            skip("%s is not installed: run scripts/deps test (npm ci in %s)" % (name, root))
        tools[name] = path
    return tools


def tool_env():
    env = dict(os.environ)
    env.update({"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
                "NO_COLOR": "1", "FORCE_COLOR": "0", "NODE_ENV": "test"})
    return env


# ---- lint ---------------------------------------------------------------------------------

def lint(root):
    tools = node_tools(root, ["redocly"])
    spec = os.path.join(root, "config", "openapi.json")
    r = subprocess.run([tools["redocly"], "lint", "--format=json",
                        "--config", os.path.join(root, "redocly.yaml"), spec],
                       cwd=root, env=tool_env(), capture_output=True, text=True, timeout=300)
    try:
        report = json.loads(r.stdout)
    except ValueError:
        fail(["redocly lint gave no JSON report (exit %d): %s %s" %
              (r.returncode, r.stdout[-2000:], r.stderr[-2000:])])
    totals = report["totals"]
    failures = []
    for p in report["problems"]:
        where = "; ".join(loc.get("pointer", "") for loc in p.get("location", []))
        failures.append("%s %s: %s (at %s)" % (p["severity"], p["ruleId"], p["message"], where))
    if totals["errors"] or totals["warnings"] or totals["ignored"]:
        failures.append("redocly lint %s: %d errors, %d warnings, %d ignored (want none)" %
                        (report.get("version", "?"), totals["errors"], totals["warnings"],
                         totals["ignored"]))
    if failures:
        fail(failures)
    print("lint: config/openapi.json passes Redocly CLI %s's recommended rules: "
          "0 errors, 0 warnings" % report.get("version", "?"))


# ---- processes ----------------------------------------------------------------------------

def wait_for(path, pattern, proc, what, timeout=180):
    """Waits until the file at path has a line matching pattern; returns the match."""
    deadline = time.time() + timeout
    rx = re.compile(pattern)
    while time.time() < deadline:
        with open(path, errors="replace") as f:
            m = rx.search(f.read())
        if m:
            return m
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    with open(path, errors="replace") as f:
        tail = f.read()[-3000:]
    fail(["%s did not start (exit %s): %s" % (what, proc.poll(), tail)])


def start_server(binary, db, log, args):
    """attrition serve on an OS-picked port; returns (process, port)."""
    out = open(log, "wb")
    proc = subprocess.Popen([binary, "serve", "--db", db, "--bind", "127.0.0.1", "--port", "0"]
                            + args, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    m = wait_for(log, r'"event":"listening".*?"port":(\d+)', proc, "attrition serve")
    return proc, int(m.group(1))


def start_prism(prism, spec, port, log):
    """Prism's validation proxy in front of 127.0.0.1:port, on an OS-picked port."""
    out = open(log, "wb")
    proc = subprocess.Popen([prism, "proxy", spec, "http://127.0.0.1:%d" % port,
                             "--host", "127.0.0.1", "--port", "0", "--errors=false",
                             "--cors=false"],
                            stdout=out, stderr=subprocess.STDOUT, env=tool_env())
    out.close()
    return proc


def prism_port(proc, log):
    m = wait_for(log, r"Prism is listening on http://127\.0\.0\.1:(\d+)", proc, "prism proxy")
    return int(m.group(1))


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


# ---- requests -----------------------------------------------------------------------------

class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def media_type(self):
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()


def send(port, method, target, headers, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        c.request(method, target, body=body, headers=headers)
        r = c.getresponse()
        return Answer(r.status, r.getheaders(), r.read())
    finally:
        c.close()


class Operations:
    """The spec's operations, to tell which one a request exercises."""

    def __init__(self, spec):
        self.ops = []
        for path, item in spec["paths"].items():
            for method in item:
                if method in ("get", "put", "post", "delete", "patch", "head", "options"):
                    segs = path.split("/")
                    self.ops.append((method.upper(), path, segs))

    def match(self, method, target):
        segs = target.split("?")[0].split("/")
        best, best_score = None, -1
        for m, path, tsegs in self.ops:
            if m != method or len(tsegs) != len(segs):
                continue
            score = 0
            for t, s in zip(tsegs, segs):
                if t == s:
                    score += 2
                elif t.startswith("{") and t.endswith("}") and s != "":
                    score += 1
                elif (t.startswith("{") and "}" in t and not t.endswith("}")
                      and s.endswith(t[t.index("}") + 1:]) and len(s) > len(t) - t.index("}") - 1):
                    score += 1  # a parameter with a literal suffix: {category}.svg
                else:
                    score = -1
                    break
            if score > best_score:
                best, best_score = m + " " + path, score
        return best


def violations(answer):
    """Prism's sl-violations: (request violations, response violations, route not found)."""
    raw = answer.header("sl-violations")
    if raw is None:
        return [], [], False
    try:
        items = json.loads(raw)
    except ValueError:  # "Too many violations! ..." (cut at 8 KB)
        return [], [raw[:2000]], False
    req, resp, unmatched = [], [], False
    for v in items:
        loc = v.get("location") or []
        text = "%s: %s" % (".".join(str(x) for x in loc), v.get("message"))
        if loc[:1] == ["response"]:
            resp.append(text)
        elif v.get("message") == "Selected route not found":
            unmatched = True
        else:
            req.append(text)
    return req, resp, unmatched


def build(entry, saved):
    """The request of a data-file entry: (method, target, headers, body bytes or None)."""
    method = entry["method"]

    def fill(s):
        def one(m):
            if m.group(1) not in saved:
                raise KeyError("no earlier request saved {%s}" % m.group(1))
            return saved[m.group(1)]
        return re.sub(r"\{([a-z_][a-z0-9_]*)\}", one, s)

    target = fill(entry["path"])
    headers = {k: fill(v) for k, v in entry.get("headers", {}).items()}
    lower = {k.lower() for k in headers}
    auth = entry.get("auth")
    if auth is True:
        headers["Authorization"] = "Bearer " + TOKEN
    elif auth == "wrong":
        headers["Authorization"] = "Bearer not-" + TOKEN
    body = None
    if "json" in entry:
        value = entry["json"]
        body = json.dumps(value, ensure_ascii=False).encode()
        if "pad_to" in entry:  # a larger body of the same (valid) JSON object
            value = dict(value, pad="x" * max(0, entry["pad_to"] - len(body)))
            body = json.dumps(value, ensure_ascii=False).encode()
        if "content-type" not in lower:
            headers["Content-Type"] = "application/json"
    elif "text" in entry:
        body = fill(entry["text"]).encode()
        if "content-type" not in lower:
            headers["Content-Type"] = "text/plain; charset=utf-8"
    return method, target, headers, body


def problem_shape(spec, answer):
    """For answers Prism cannot see: a problem+json body with the Problem schema's required
    members, its "status" the answer's. Returns what is wrong, or None."""
    if answer.media_type() != "application/problem+json":
        return "Content-Type %s, not application/problem+json" % answer.header("Content-Type")
    try:
        body = json.loads(answer.body)
    except ValueError:
        return "the body is not JSON: %r" % answer.body[:200]
    missing = [k for k in spec["components"]["schemas"]["Problem"]["required"] if k not in body]
    if missing or body.get("status") != answer.status:
        return "not a Problem (missing %s, status %r): %r" % (missing, body.get("status"),
                                                              answer.body[:300])
    return None


def contract(root):
    tools = node_tools(root, ["prism"])
    binary = os.environ.get("ATTRITION_BIN")
    data = os.environ.get("ATTRITION_DATA", os.path.join(root, "..", "shared", "data", "ua-mod"))
    if not binary or not os.access(binary, os.X_OK):
        fail(["ATTRITION_BIN (the attrition binary) is not set or not executable"])
    files = sorted(os.path.join(data, f) for f in os.listdir(data) if f.endswith(".json")) \
        if os.path.isdir(data) else []
    if not files:
        skip("the dataset is missing (%s): the contract test serves the real history" % data)
    spec_path = os.path.join(root, "config", "openapi.json")
    with open(spec_path) as f:
        spec = json.load(f)
    with open(os.path.join(root, "tests", "contract_requests.json")) as f:
        entries = json.load(f)["requests"]
    ops = Operations(spec)

    tmp_root = os.environ.get("ATTRITION_TEST_TMP")
    if tmp_root:
        os.makedirs(tmp_root, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="contract.", dir=tmp_root)
    procs = []
    failures = []
    try:
        db = os.path.join(tmp, "attrition.db")
        r = subprocess.run([binary, "import", "--db", db] + files, capture_output=True, text=True)
        if r.returncode != 0:
            fail(["import failed: " + r.stdout[-2000:] + r.stderr[-2000:]])
        # "main": the dataset, a token, writes enabled; "no_token": writes disabled (403)
        main, main_port = start_server(binary, db, os.path.join(tmp, "main.log"),
                                       ["--token", TOKEN, "--max-body", str(MAX_BODY)])
        procs.append(main)
        ro, ro_port = start_server(binary, os.path.join(tmp, "no_token.db"),
                                   os.path.join(tmp, "no_token.log"), [])
        procs.append(ro)
        p_main = start_prism(tools["prism"], spec_path, main_port, os.path.join(tmp, "prism.log"))
        procs.append(p_main)
        p_ro = start_prism(tools["prism"], spec_path, ro_port,
                           os.path.join(tmp, "prism_no_token.log"))
        procs.append(p_ro)
        proxies = {"main": prism_port(p_main, os.path.join(tmp, "prism.log")),
                   "no_token": prism_port(p_ro, os.path.join(tmp, "prism_no_token.log"))}
        servers = {"main": main_port, "no_token": ro_port}

        saved = {}
        counts = {"sent": 0, "validated": 0, "outside": 0, "direct": 0, "request_breaks": 0}
        exercised = set()
        statuses = {}
        for i, e in enumerate(entries):
            try:
                method, target, headers, body = build(e, saved)
            except KeyError as err:
                failures.append("request %d (%s %s): %s" % (i, e["method"], e["path"], err))
                continue
            what = "%s %s" % (method, target if len(target) < 120 else target[:117] + "...")
            if e.get("name"):
                what += " (%s)" % e["name"]
            which = e.get("server", "main")
            errs = []

            if e.get("conditional"):
                # the same GET first (validated like any other), then If-None-Match: its ETag
                first = send(proxies[which], "GET", target, headers, None)
                counts["sent"] += 1
                _, resp_v, _ = violations(first)
                etag = first.header("ETag")
                if first.status != 200 or resp_v or etag is None:
                    failures.append("%s: the GET before the conditional one: %d, ETag %s, %s"
                                    % (what, first.status, etag, "; ".join(resp_v)))
                    continue
                counts["validated"] += 1
                headers = dict(headers, **{"If-None-Match": etag})

            if method == "HEAD":
                # Prism 5.14.2 cannot forward HEAD (it parses the empty body as JSON and
                # answers 500), and HEAD is no operation of the spec: HEAD goes straight to
                # the server and must answer as the GET does, without a body.
                head = send(servers[which], "HEAD", target, headers, None)
                get = send(servers[which], "GET", target, headers, None)
                counts["sent"] += 1
                counts["direct"] += 1
                statuses[head.status] = statuses.get(head.status, 0) + 1
                if head.status != e["status"] or get.status != head.status:
                    errs.append("HEAD %d, GET %d, want %d" % (head.status, get.status, e["status"]))
                if head.body:
                    errs.append("HEAD has a body of %d bytes" % len(head.body))
                for h in ("Content-Type", "ETag", "Cache-Control", "Last-Modified", "Vary"):
                    if head.header(h) != get.header(h):
                        errs.append("HEAD %s %r, GET %r" % (h, head.header(h), get.header(h)))
                if head.header("Content-Length") not in (None, str(len(get.body))):
                    errs.append("HEAD Content-Length %s, GET body %d bytes"
                                % (head.header("Content-Length"), len(get.body)))
            elif e.get("stream"):
                # A stream (text/event-stream) does not end: Prism would wait for the whole
                # body. Straight to the server: the status and the media type are checked
                # against the operation's declared responses, and the first bytes are read.
                c = http.client.HTTPConnection("127.0.0.1", servers[which], timeout=20)
                try:
                    c.request(method, target, headers=headers)
                    r = c.getresponse()
                    status, ctype = r.status, (r.getheader("Content-Type") or "").split(";")[0]
                    first = r.read1(64) if status == 200 else r.read()
                finally:
                    c.close()
                counts["sent"] += 1
                counts["direct"] += 1
                statuses[status] = statuses.get(status, 0) + 1
                op = ops.match(method, target)
                if status != e["status"]:
                    errs.append("status %d, want %d" % (status, e["status"]))
                elif op is None:
                    errs.append("no operation of the spec matches it")
                else:
                    path = op.split(" ", 1)[1]
                    declared = spec["paths"][path][method.lower()]["responses"].get(str(status), {})
                    if ctype not in declared.get("content", {}):
                        errs.append("Content-Type %s is not declared for %d" % (ctype, status))
                    elif status == 200 and not first:
                        errs.append("the stream sent nothing")
                    elif status < 400:
                        exercised.add(op)
            elif e.get("via") == "direct":
                if not e.get("why"):
                    errs.append('"via": "direct" needs a "why"')
                a = send(servers[which], method, target, headers, body)
                counts["sent"] += 1
                counts["direct"] += 1
                statuses[a.status] = statuses.get(a.status, 0) + 1
                if a.status != e["status"]:
                    errs.append("status %d, want %d: %r" % (a.status, e["status"], a.body[:300]))
                elif a.status >= 400:
                    wrong = problem_shape(spec, a)
                    if wrong:
                        errs.append(wrong)
            else:
                a = send(proxies[which], method, target, headers, body)
                counts["sent"] += 1
                statuses[a.status] = statuses.get(a.status, 0) + 1
                req_v, resp_v, unmatched = violations(a)
                if a.status != e["status"]:
                    errs.append("status %d, want %d: %r" % (a.status, e["status"], a.body[:300]))
                if resp_v:
                    errs.append("the answer breaks the contract: " + "; ".join(resp_v))
                in_spec = e.get("in_spec", True)
                if unmatched and in_spec:
                    errs.append("no operation of the spec matches it (mark it \"in_spec\": "
                                "false if none should)")
                elif not unmatched and not in_spec:
                    errs.append('marked "in_spec": false, but Prism matched an operation')
                if unmatched:
                    counts["outside"] += 1
                    wrong = problem_shape(spec, a) if a.status >= 400 else None
                    if wrong:  # no operation to check it against: the Problem shape at least
                        errs.append(wrong)
                else:
                    counts["validated"] += 1
                    op = ops.match(method, target)
                    if op and a.status < 400:
                        exercised.add(op)
                if req_v:
                    counts["request_breaks"] += 1
                    if e.get("request_conforms", True):
                        errs.append("the request breaks the spec (if meant, mark it "
                                    "\"request_conforms\": false): " + "; ".join(req_v))
                elif not e.get("request_conforms", True) and not unmatched:
                    errs.append('marked "request_conforms": false, but Prism found nothing '
                                "wrong with the request")
                want_type = e.get("content_type")
                if want_type and a.media_type() != want_type:
                    errs.append("Content-Type %s, want %s" % (a.header("Content-Type"), want_type))
                for name, source in e.get("save", {}).items():
                    if source.startswith("header:"):
                        value = a.header(source[7:])
                    else:
                        m = re.search(source[5:], a.body.decode(errors="replace"))
                        value = m.group(0) if m else None
                    if value is None:
                        errs.append("nothing to save as {%s} (%s)" % (name, source))
                    else:
                        saved[name] = value
            for err in errs:
                failures.append("%s: %s" % (what, err))

        # Every operation of the spec answered at least one request with success.
        all_ops = {m + " " + p for m, p, _ in ops.ops}
        missing = sorted(all_ops - exercised)
        if missing:
            failures.append("operations no request exercised with a 2xx/304 answer (add "
                            "requests to tests/contract_requests.json): " + ", ".join(missing))
        # The spec Prism validated against is the one the server serves.
        served = send(servers["main"], "GET", "/openapi.json", {}, None)
        if served.status != 200 or json.loads(served.body) != spec:
            failures.append("GET /openapi.json is not config/openapi.json")
        # No answer of the servers was a 5xx (their access logs have a line per request).
        for log in ("main.log", "no_token.log"):
            with open(os.path.join(tmp, log), errors="replace") as f:
                for line in f:
                    if '"status":5' in line:
                        failures.append("%s: a 5xx answer: %s" % (log, line.strip()[:300]))
        for p in procs[:2]:
            if p.poll() is not None:
                failures.append("a server died (exit %s)" % p.poll())
    finally:
        for p in reversed(procs):
            stop(p)
    if failures:
        print("logs kept in " + tmp)
        fail(failures)
    shutil.rmtree(tmp, ignore_errors=True)
    print("contract: %d operations, each answered a valid request; %d requests sent: %d answers "
          "validated by Prism (0 violations), %d outside the spec (404/405/OPTIONS), %d sent "
          "straight to the server (HEAD, bodies Prism cannot carry); %d requests broke the spec "
          "on purpose; statuses %s"
          % (len(all_ops), counts["sent"], counts["validated"], counts["outside"],
             counts["direct"], counts["request_breaks"],
             ", ".join("%d: %d" % kv for kv in sorted(statuses.items()))))


def main():
    # meson's timeout sends SIGTERM: exit through the finally blocks, which stop the servers
    # and Prism processes this test started.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    if len(sys.argv) != 3 or sys.argv[1] not in ("lint", "contract"):
        print(__doc__)
        return 2
    root = os.path.abspath(sys.argv[2])
    if sys.argv[1] == "lint":
        lint(root)
    else:
        contract(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
