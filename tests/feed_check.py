#!/usr/bin/python3
"""Checks an Atom feed of attrition (tests/http_events.c): it parses without errors
(python3-feedparser, no bozo), holds 50 entries with distinct ids, newest first (entry ids
end in the report date), each with updated, a summary and a dashboard link. Prints
"first <id>" and exits 0, or names what is wrong and exits 1."""
import sys
import urllib.request

import feedparser

raw = urllib.request.urlopen(sys.argv[1]).read()
feed = feedparser.parse(raw)
problems = []
if feed.bozo:
    problems.append("bozo: %s" % feed.bozo_exception)
if feed.version != "atom10":
    problems.append("version %r, want atom10" % feed.version)
entries = feed.entries
if len(entries) != 50:
    problems.append("%d entries, want 50" % len(entries))
ids = [e.get("id", "") for e in entries]
if len(set(ids)) != len(ids):
    problems.append("entry ids repeat")
dates = [i.rsplit(":", 1)[-1] for i in ids]
if dates != sorted(dates, reverse=True):
    problems.append("not newest first: %s" % dates[:5])
for e in entries:
    if not e.get("updated_parsed") or not e.get("summary") or "#report=" not in e.get("link", ""):
        problems.append("entry %s lacks updated, summary or the dashboard link" % e.get("id"))
        break
if problems:
    print("\n".join(problems))
    sys.exit(1)
print("first %s" % ids[0])
