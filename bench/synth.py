#!/usr/bin/env python3
"""Generates a synthetic daily history in the ministry's JSON formats, for bench/run.

usage: synth.py YEARS OUTDIR [--seed N]

Writes OUTDIR/russia_losses_personnel.json and OUTDIR/russia_losses_equipment.json: one
report a day from 2022-02-25 on, 365 * YEARS reports, 20 categories in every report
(personnel and 19 equipment keys: the 14 the ministry reports today and 5 keys the service
has never seen, which the importer must create as new categories). Totals are cumulative;
the daily increments are random around a per-category rate that drifts slowly, with the odd
downward correction (about one report in 3,000), like the real data. Same seed, same files.
"""
import datetime
import json
import math
import os
import random
import sys

WAR_START = datetime.date(2022, 2, 24)  # day 1
FIRST = datetime.date(2022, 2, 25)

# key -> mean daily losses at the start (roughly the real figures of 2024-2026)
EQUIPMENT = {
    "aircraft": 0.05, "helicopter": 0.03, "tank": 5.0, "APC": 10.0, "field artillery": 30.0,
    "MRL": 1.0, "anti-aircraft warfare": 1.0, "drone": 300.0, "cruise missiles": 2.0,
    "naval ship": 0.01, "submarines": 0.002, "vehicles and fuel tanks": 90.0,
    "special equipment": 3.0, "ground robotic systems": 2.0,
    # keys attrition has never seen: new categories on import
    "unmanned surface vessels": 0.2, "electronic warfare systems": 1.5,
    "radar systems": 0.5, "ammunition depots": 0.8, "interceptor drones": 20.0,
}
PERSONNEL_RATE = 1000.0


def poisson(rng, lam):
    """A Poisson draw: Knuth below 30, a rounded normal above."""
    if lam <= 0:
        return 0
    if lam < 30:
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1
    return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))


class Series:
    """One category's cumulative total, its slowly drifting rate and rare corrections."""

    def __init__(self, rng, rate):
        self.rng, self.base, self.total = rng, rate, 0
        self.level = 1.0

    def step(self):
        rng = self.rng
        # a bounded random walk of the intensity (0.3x .. 3x of the base rate)
        self.level = min(3.0, max(0.3, self.level * math.exp(rng.gauss(0, 0.02))))
        inc = poisson(rng, self.base * self.level)
        if self.total > 100 and rng.random() < 1 / 3000:
            inc = -rng.randint(1, max(1, min(self.total // 100, 100)))  # a correction
        self.total = max(0, self.total + inc)
        return self.total


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    years, outdir = int(argv[1]), argv[2]
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
    rng = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    personnel = Series(rng, PERSONNEL_RATE)
    equipment = {k: Series(rng, r) for k, r in EQUIPMENT.items()}
    pers_rows, eq_rows = [], []
    for i in range(365 * years):
        d = FIRST + datetime.timedelta(days=i)
        ds, day = d.isoformat(), (d - WAR_START).days + 1
        pers_rows.append({"date": ds, "day": day, "personnel": personnel.step(),
                          "personnel*": "about"})
        row = {"date": ds, "day": day}
        for k, s in equipment.items():
            row[k] = s.step()
        eq_rows.append(row)
    for name, rows in (("russia_losses_personnel.json", pers_rows),
                       ("russia_losses_equipment.json", eq_rows)):
        with open(os.path.join(outdir, name), "w") as f:
            json.dump(rows, f, indent=4)
            f.write("\n")
    print(f"{len(pers_rows)} reports x {1 + len(EQUIPMENT)} categories, "
          f"{pers_rows[0]['date']} .. {pers_rows[-1]['date']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
