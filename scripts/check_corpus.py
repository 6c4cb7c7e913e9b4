#!/usr/bin/env python3
"""Writes tests/check_corpus.json: texts in English and Ukrainian, written the way the press
and the ministry write, whose every loss figure is taken from the reference data (asked of a
running attrition server holding ../shared/data/ua-mod and config/deployments.json) and then
kept or falsified, with the verdict each must get. tests/http_check.c checks /v1/check
against it.

    build/attrition serve --db DB --port 18923 &
    scripts/check_corpus.py http://localhost:18923 > tests/check_corpus.json

Expected verdicts come from the data and the rules of the contract (a day's figure is the
report of that date or the next; ranks counted from 2022-04-01; "more than" is a bound...),
never from the checker's own output."""
import datetime as dt
import json
import random
import sys
import urllib.request

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:18923"
R = random.Random(23)
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
UK_MONTHS = ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня",
             "вересня", "жовтня", "листопада", "грудня"]
UK_MONTHS_IN = ["січні", "лютому", "березні", "квітні", "травні", "червні", "липні", "серпні",
                "вересні", "жовтні", "листопаді", "грудні"]
EN = {"personnel": ["troops", "soldiers", "personnel", "servicemen"], "tanks": ["tanks"],
      "afv": ["armoured fighting vehicles", "armored combat vehicles", "AFVs"],
      "artillery": ["artillery systems"], "mlrs": ["multiple launch rocket systems", "MLRS"],
      "air_defense": ["air defense systems", "anti-aircraft warfare systems"],
      "aircraft": ["aircraft", "warplanes"], "helicopters": ["helicopters"],
      "uav": ["drones", "UAVs"], "cruise_missiles": ["cruise missiles"],
      "warships": ["warships", "ships and boats"], "submarines": ["submarines"],
      "vehicles_fuel_tanks": ["vehicles and fuel tanks"],
      "special_equipment": ["pieces of special equipment", "units of special equipment"]}
UK = {"personnel": ["осіб", "окупантів", "військових"], "tanks": ["танків", "танки"],
      "afv": ["бойових броньованих машин", "ББМ"], "artillery": ["артилерійських систем"],
      "mlrs": ["РСЗВ"], "air_defense": ["засобів ППО"], "aircraft": ["літаків"],
      "helicopters": ["гелікоптерів"], "uav": ["БпЛА", "безпілотників"],
      "cruise_missiles": ["крилатих ракет"], "warships": ["кораблів"],
      "submarines": ["підводних човнів"],
      "vehicles_fuel_tanks": ["одиниць автомобільної техніки та автоцистерн"],
      "special_equipment": ["одиниць спеціальної техніки"]}
EN_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
            8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}
UK_WORDS = {2: "два", 3: "три", 4: "чотири", 5: "п'ять", 6: "шість", 7: "сім", 8: "вісім",
            9: "дев'ять", 10: "десять"}
ORD = {1: "highest", 2: "second-highest", 3: "third-highest", 4: "fourth-highest",
       5: "fifth-highest"}


def get(path):
    with urllib.request.urlopen(BASE + path) as r:
        return json.load(r)


def day(d):
    return dt.date.fromisoformat(d)


def en_date(d, year=True):
    x = day(d)
    return f"{EN_MONTHS[x.month - 1]} {x.day}" + (f", {x.year}" if year else "")


def uk_date(d, year=True):
    x = day(d)
    return f"{x.day} {UK_MONTHS[x.month - 1]}" + (f" {x.year} року" if year else "")


def fmt(n, sep=","):
    return f"{n:,}".replace(",", sep)


def daily(d):
    return get(f"/v1/daily/{d}")["losses"]


def total(d):
    return get(f"/v1/cumulative/{d}")["totals"]


def period(f, t, cats):
    p = get(f"/v1/summary?from={f}&to={t}&category={','.join(cats)}")["periods"]
    return p[0]["losses"]


def rank(cat, d):
    return get(f"/v1/records/{cat}/{d}?from=2022-04-01")["rank"]


def wrong(n):
    """A plausible but false figure."""
    return n + R.choice([1, 2, 3, 5, 7, 10, 12]) * (1 if n < 20 or R.random() < 0.5 else -1)


texts = []


def next_day(d):
    return iso(day(d) + dt.timedelta(days=1))


def false_daily(rep, c, n):
    """A false figure for the daily loss n of c on rep: matching neither that report nor
    the next (either may be meant)."""
    nxt = daily(next_day(rep)).get(c)
    v = wrong(n)
    while v in (n, nxt) or v <= 0:
        v += 1
    return v


def add(lang, text, as_of, claims, not_claims=()):
    texts.append({"lang": lang, "as_of": as_of, "text": text, "claims": claims,
                  "not_claims": list(not_claims)})


def claim(n, kind, cat, verdict):
    return {"claimed": n, "kind": kind, "category": cat, "verdict": verdict}


def iso(x):
    return x.isoformat()


CATS = list(EN.keys())
DATES = [iso(dt.date(2024, 1, 1) + dt.timedelta(days=R.randrange(0, 700))) for _ in range(60)]

# 1. daily lists in English: "On <date>, Russia lost a tanks, b ..." (dated by the report,
#    or by the day before it: the report of the next day), some figures falsified.
for i in range(10):
    rep = DATES[i]
    by_eve = i % 2 == 1
    said = iso(day(rep) - dt.timedelta(days=1)) if by_eve else rep
    loss = daily(rep)
    cats = R.sample([c for c in CATS if c != "personnel" and loss.get(c, 0) > 0], 3)
    parts, cl = [], []
    for j, c in enumerate(cats):
        n = loss[c]
        ok = not (i % 3 == 0 and j == 1)
        v = n if ok else false_daily(rep, c, n)
        if v <= 0:
            v, ok = n, True
        if v in EN_WORDS and j == 0:
            parts.append(f"{EN_WORDS[v]} {R.choice(EN[c])}")
        else:
            parts.append(f"{fmt(v)} {R.choice(EN[c])}")
        cl.append(claim(v, "daily", c, "correct" if ok else "incorrect"))
    p = loss["personnel"]
    pv = p if i % 4 != 2 else false_daily(rep, "personnel", p)
    text = (f"On {en_date(said, i % 2 == 0)}, Russia lost {fmt(pv)} {R.choice(EN['personnel'])}, "
            f"Ukraine's General Staff said. It also lost {parts[0]}, {parts[1]} and {parts[2]}. "
            f"The ministry has published its figures every morning since 2022, and the "
            f"war costs Moscow $300 million a day.")
    add("en", text, rep, [claim(pv, "daily", "personnel", "correct" if pv == p else "incorrect")] + cl,
        [2022, 300])

# 2. Ukrainian daily: "За минулу добу ворог втратив N осіб, ..." as of the report date.
for i in range(8):
    rep = DATES[10 + i]
    loss = daily(rep)
    cats = R.sample([c for c in CATS if c != "personnel" and loss.get(c, 0) > 1], 3)
    parts, cl = [], []
    for j, c in enumerate(cats):
        n = loss[c]
        ok = not (i % 3 == 1 and j == 2)
        v = n if ok else false_daily(rep, c, n)
        if v <= 0:
            v, ok = n, True
        if v in UK_WORDS and j == 0:
            parts.append(f"{UK_WORDS[v]} {UK[c][0]}")
        else:
            parts.append(f"{fmt(v, ' ')} {R.choice(UK[c])}")
        cl.append(claim(v, "daily", c, "correct" if ok else "incorrect"))
    p = loss["personnel"]
    pv = p if i % 3 != 0 else false_daily(rep, "personnel", p)
    text = (f"За минулу добу ворог втратив {fmt(pv, chr(0xA0))} {R.choice(UK['personnel'])}, "
            f"а також {parts[0]}, {parts[1]} та {parts[2]}, повідомив Генштаб ЗСУ. "
            f"На фронті працюють 25 бригад.")
    add("uk", text, rep, [claim(pv, "daily", "personnel", "correct" if pv == p else "incorrect")] + cl,
        [25])

# 3. totals, English and Ukrainian, exact, rounded and qualified.
for i in range(10):
    rep = DATES[20 + i]
    tot = total(rep)
    c = ["personnel", "tanks", "artillery", "uav", "aircraft", "helicopters", "warships",
         "cruise_missiles", "mlrs", "air_defense"][i]
    n = tot[c]
    if i % 4 == 0:
        v, q, verdict = n, "", "correct"
    elif i % 4 == 1:
        v, q, verdict = n - n % 100 if n > 1000 else n - 5, "more than ", "correct"
    elif i % 4 == 2:
        v, q, verdict = n + 3, "", "incorrect"
    else:
        v, q, verdict = round(n, -1), "about ", "correct"
    if i < 6:
        text = (f"As of {en_date(rep)}, Russia had lost {q}{fmt(v)} {R.choice(EN[c])} in total "
                f"since the start of the full-scale invasion, according to Kyiv. Officials aged "
                f"over 60 years say 40% of it was lost in 2024.")
        add("en", text, rep, [claim(v, "total", c, verdict)], [60, 40, 2024])
    else:
        uq = {"": "", "more than ": "понад ", "about ": "близько "}[q]
        text = (f"Загалом з початку вторгнення станом на {uk_date(rep)} Росія втратила {uq}"
                f"{fmt(v, ' ')} {UK[c][0]}.")
        add("uk", text, rep, [claim(v, "total", c, verdict)])

# 4. the ministry's post pasted, English and Ukrainian (totals and "(+N)" daily figures).
UK_LABELS = [("personnel", "особового складу ‒ близько {t} (+{d}) осіб"),
             ("tanks", "танків ‒ {t} (+{d}) од"), ("afv", "бойових броньованих машин ‒ {t} (+{d}) од"),
             ("artillery", "артилерійських систем ‒ {t} (+{d}) од"), ("mlrs", "РСЗВ ‒ {t} (+{d}) од"),
             ("air_defense", "засоби ППО ‒ {t} (+{d}) од"), ("uav", "БпЛА оперативно-тактичного рівня ‒ {t} (+{d})"),
             ("vehicles_fuel_tanks", "автомобільної техніки та автоцистерн ‒ {t} (+{d}) од"),
             ("special_equipment", "спеціальна техніка ‒ {t} (+{d})")]
for i in range(2):
    rep = DATES[30 + i]
    tot, loss = total(rep), daily(rep)
    x = day(rep)
    lines = [f"Загальні бойові втрати противника з 24.02.22 по {x.day:02d}.{x.month:02d}.{x.year % 100:02d} орієнтовно склали:"]
    cl = []
    for c, tmpl in UK_LABELS:
        lines.append(tmpl.format(t=tot[c], d=loss[c]) + ",")
        cl.append(claim(tot[c], "total", c, "correct"))
        cl.append(claim(loss[c], "daily", c, "correct"))
    lines.append("Дані уточнюються.")
    add("uk", "\n".join(lines), rep, cl)

# 5. periods: since Monday, this week, last month, in <month year>, between A and B.
for i in range(12):
    rep = DATES[32 + i]
    x = day(rep)
    c = R.choice(CATS)
    uk = i % 2 == 1
    kind = i % 4
    if kind == 0:
        mon = x - dt.timedelta(days=x.weekday())
        f, t = iso(mon), rep
        when_en, when_uk = "Since Monday", "З понеділка"
    elif kind == 1:
        first = x.replace(day=1)
        last = first - dt.timedelta(days=1)
        f, t = iso(last.replace(day=1)), iso(last)
        when_en, when_uk = "Last month", "Минулого місяця"
    elif kind == 2:
        m = dt.date(2025, 1 + i % 12, 1)
        nxt = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        f, t = iso(m), iso(nxt - dt.timedelta(days=1))
        when_en = f"In {EN_MONTHS[m.month - 1]} {m.year}"
        when_uk = f"У {UK_MONTHS_IN[m.month - 1]} {m.year} року"
        rep = iso(nxt + dt.timedelta(days=3))
    else:
        a = x - dt.timedelta(days=9)
        f, t = iso(a), rep
        when_en = f"Between {en_date(f, False)} and {en_date(t, False)}"
        when_uk = f"З {day(f).day} {UK_MONTHS[day(f).month - 1]} по {uk_date(t, False)}"
    s = period(f, t, [c])[c]
    ok = i % 3 != 2
    v = s if ok else wrong(s)
    if uk:
        text = f"{when_uk} ворог втратив {fmt(v, ' ')} {UK[c][0]}, свідчать дані Міноборони."
    else:
        text = f"{when_en}, Russia lost {fmt(v)} {EN[c][0]}, Ukraine's data show."
    add("uk" if uk else "en", text, rep, [claim(v, "period", c, "correct" if ok else "incorrect")])

# 6. ranks: "the Nth-highest single day" as of a day, right or wrong; with the figure.
best = get("/v1/records/personnel?from=2022-04-01&limit=12")["records"]
for i in range(8):
    r = best[i]
    d = r["date"]
    k = rank("personnel", d)
    ok = i % 3 != 1
    said = k if ok else k + 1
    if i % 2 == 0:
        text = (f"Russia suffered the {ORD.get(said, 'highest')} single day of troop losses on "
                f"{en_date(d)}, with {fmt(r['value'])} soldiers killed or wounded.")
        cl = [claim(r["value"], "daily", "personnel", "correct"),
              claim(said, "rank", "personnel", "correct" if ok else "incorrect")]
        if said not in ORD:
            continue
        add("en", text, d, sorted(cl, key=lambda c: c["kind"] != "rank"))
    else:
        uo = {1: "найбільші", 2: "другі за величиною", 3: "треті за величиною",
              4: "четверті за величиною", 5: "п'яті за величиною"}
        if said not in uo:
            continue
        text = (f"{uk_date(d)} Росія зазнала {uo[said]} втрат особового складу за добу: "
                f"{fmt(r['value'], ' ')} осіб.")
        add("uk", text, d, [claim(said, "rank", "personnel", "correct" if ok else "incorrect"),
                            claim(r["value"], "daily", "personnel", "correct")])

# 7. deployments and numbers that are no losses.
add("en", "Some 3,000 North Korean troops were training in Russia in late October, the White "
    "House said; Seoul expects up to 12,000 to be sent. A $8 billion aid package was approved "
    "in 2024 for 18-year-old recruits.", "2024-10-25",
    [claim(3000, "deployment", "", "correct"), claim(12000, "deployment", "", "correct")],
    [8, 2024, 18])
add("en", "Pyongyang has sent 10,000 North Korean soldiers to Russia, officials claimed on "
    "October 25, 2024.", "2024-10-25", [claim(10000, "deployment", "", "incorrect")])
add("uk", "За даними розвідки, близько 3 000 північнокорейських військових перебувають у Росії.",
    "2024-10-25", [claim(3000, "deployment", "", "correct")])
add("en", "Prices rose 12% in 2023, and 45 people aged 30 years attended; the 155th brigade "
    "moved 20 km.", "2024-10-25", [], [12, 2023, 45, 30, 155, 20])
add("uk", "Бюджет становить 500 млрд гривень, а 47-ма бригада пройшла 15 км у 2024 році.",
    "2024-10-25", [], [500, 47, 15, 2024])

sub = total("2025-03-01")["submarines"]
add("en", f"Russia has lost {EN_WORDS[sub]} submarine since the beginning of the war, the "
    f"ministry said on March 1, 2025.", "2025-03-01", [claim(sub, "total", "submarines", "correct")])
grs = false_daily("2026-07-01", "ground_robotic_systems", daily("2026-07-01")["ground_robotic_systems"])
add("uk", f"1 липня 2026 року ворог втратив {grs} наземних робототехнічних комплексів.",
    "2026-07-01", [claim(grs, "daily", "ground_robotic_systems", "incorrect")])

# 8. words and qualifiers on single days.
for i in range(6):
    rep = DATES[44 + i]
    loss = daily(rep)
    p = loss["personnel"]
    if i % 3 == 0:
        q, v, verdict = "more than ", (p // 100) * 100, "correct"
    elif i % 3 == 1:
        # "nearly v": at most v and at least 90 % of it; false for this report and the next
        nxt = daily(next_day(rep))["personnel"]
        v = ((max(p, nxt) + 99) // 100) * 100 + 100
        while any(x <= v and x * 10 >= v * 9 for x in (p, nxt)):
            v += 100
        q, verdict = "nearly ", "incorrect"
    else:
        q, v, verdict = "about ", round(p, -1), "correct"
    c = R.choice([c for c in CATS if 0 < loss.get(c, 0) <= 10 and c != "personnel"] or ["tanks"])
    n = loss[c]
    if i % 2 == 0:
        text = (f"Russia lost {q}{fmt(v)} troops and {EN_WORDS.get(n, str(n))} "
                f"{EN[c][0]} today, according to Kyiv.")
        lang = "en"
    else:
        uq = {"more than ": "понад ", "nearly ": "майже ", "about ": "близько "}[q]
        text = f"Сьогодні ворог втратив {uq}{fmt(v, ' ')} осіб та {UK_WORDS.get(n, str(n))} {UK[c][0]}."
        lang = "uk"
    add(lang, text, rep, [claim(v, "daily", "personnel", verdict), claim(n, "daily", c, "correct")])

# 9. unverifiable: a day after the data end.
add("en", "On August 20, 2030, Russia lost 1,000 troops.", "2030-08-21",
    [claim(1000, "daily", "personnel", "unverifiable")])
# (no ground robotic systems were reported before 2026-05-03; no submarine before 2023-09-14)
add("en", "On October 25, 2024, Russia lost 3 ground robotic systems.", "2024-10-26",
    [claim(3, "daily", "ground_robotic_systems", "unverifiable")])
add("uk", "У березні 2022 року ворог втратив 2 підводні човни.", "2022-04-05",
    [claim(2, "period", "submarines", "unverifiable")])

# 10. the press's other turns of phrase, on other days.
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
UK_ORD = {1: "перший", 2: "другий", 3: "третій", 4: "четвертий", 5: "п'ятий"}
for i in range(12):
    rep = DATES[50 + i % 10]
    x = day(rep)
    loss, tot = daily(rep), total(rep)
    ok = i % 4 != 3
    if i == 0 or i == 6:
        p = loss["personnel"] if ok else false_daily(rep, "personnel", loss["personnel"])
        add("en", f"Ukraine says Russia lost {fmt(p)} soldiers in the past day, bringing total "
            f"losses to {fmt(tot['personnel'])}.", rep,
            [claim(p, "daily", "personnel", "correct" if ok else "incorrect"),
             claim(tot["personnel"], "total", "personnel", "correct")])
    elif i == 1 or i == 7:
        t = loss["tanks"] if ok else false_daily(rep, "tanks", loss["tanks"])
        add("en", f"According to the General Staff, Russian forces lost {t} tanks, "
            f"{loss['afv']} armored vehicles and {loss['artillery']} artillery systems over the "
            f"past 24 hours.", rep,
            [claim(t, "daily", "tanks", "correct" if ok else "incorrect"),
             claim(loss["afv"], "daily", "afv", "correct"),
             claim(loss["artillery"], "daily", "artillery", "correct")])
    elif i == 2 or i == 8:
        v = tot["tanks"] if ok else tot["tanks"] + 40
        add("en", f"Kyiv said Moscow had lost {fmt(v)} tanks since February 24, 2022, as of "
            f"{en_date(rep)}.", rep, [claim(v, "total", "tanks", "correct" if ok else "incorrect")])
    elif i == 3 or i == 9:
        a, u = tot["afv"] // 1000 * 1000, tot["uav"] // 100 * 100
        add("en", f"The Kremlin's forces have lost more than {fmt(a)} armored vehicles and over "
            f"{fmt(u)} drones, Ukraine said.", rep,
            [claim(a, "total", "afv", "correct"), claim(u, "total", "uav", "correct")])
    elif i == 4 or i == 10:
        f = iso(x - dt.timedelta(days=6))
        sm = period(f, rep, ["personnel"])["personnel"]
        v = sm if ok else sm + 250
        add("en", f"In the week from {en_date(f, False)} to {en_date(rep, False)}, Russia lost "
            f"{fmt(v)} troops.", rep, [claim(v, "period", "personnel", "correct" if ok else "incorrect")])
        p = loss["personnel"]
        add("uk", f"Росія за добу втратила {p} військових, {loss['tanks']} танків та "
            f"{loss['uav']} безпілотників.", rep,
            [claim(p, "daily", "personnel", "correct"),
             claim(loss["tanks"], "daily", "tanks", "correct"),
             claim(loss["uav"], "daily", "uav", "correct")])
    else:
        v = tot["personnel"] if ok else tot["personnel"] - 1000
        add("uk", f"Від початку повномасштабного вторгнення ворог втратив {fmt(v, ' ')} осіб, "
            f"а також {fmt(tot['artillery'], ' ')} артсистем.", rep,
            [claim(v, "total", "personnel", "correct" if ok else "incorrect"),
             claim(tot["artillery"], "total", "artillery", "correct")])
for i in range(4):
    r = best[i]
    k = rank("personnel", r["date"])
    if k not in UK_ORD:
        continue
    said = k if i % 2 == 0 else k % 5 + 1
    add("uk", f"{uk_date(r['date'], False)} окупанти втратили {fmt(r['value'], ' ')} осіб — це "
        f"{UK_ORD[said]} найбільший показник за добу.", r["date"],
        [claim(r["value"], "daily", "personnel", "correct"),
         claim(said, "rank", "personnel", "correct" if said == k else "incorrect")])

json.dump({"note": __doc__.strip().splitlines()[0], "texts": texts}, sys.stdout,
          ensure_ascii=False, indent=1)
sys.stdout.write("\n")
