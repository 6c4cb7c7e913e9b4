/* The dashboard. Everything shown comes from the public API; the state of the view lives in
 * the URL's fragment (#lang=uk&cat=tanks&...), so a copied address reproduces it. */
"use strict";

(function () {
  const A = window.A;
  const $ = function (id) { return document.getElementById(id); };
  const S = {};              /* the view's state, mirrored in location.hash */
  let cats = [];             /* /v1/categories, active ones */
  let allCats = {};          /* id -> category, every one */
  let latest = null;         /* /v1/daily/latest */
  let cumLatest = null;      /* /v1/cumulative/latest */
  let chart = null;          /* the Dygraph */
  let chartRows = [];        /* the rows behind the chart, for its readout */

  /* ---- state in the URL --------------------------------------------------------------- */

  const KEYS = ["lang", "report", "cat", "view", "roll", "win", "rank_cat", "rank_date", "rank_from",
                "sum_from", "sum_to", "rec_cat", "rec_n", "rec_from", "rec_to"];

  function readState() {
    const q = new URLSearchParams(location.hash.slice(1));
    for (const k of KEYS)
      S[k] = q.get(k) || "";
  }

  function writeState() {
    const q = new URLSearchParams(location.hash.slice(1)); /* keeps check.js's keys */
    for (const k of KEYS)
      if (S[k])
        q.set(k, S[k]);
      else
        q.delete(k);
    history.replaceState(null, "", "#" + q.toString());
  }

  function set(key, value) {
    S[key] = value === undefined || value === null ? "" : String(value);
    writeState();
  }

  /* ---- small helpers --------------------------------------------------------------- */

  function label(id) {
    return A.catLabel(id, allCats[id] ? allCats[id].label : id);
  }

  function fail(box, url, err) {
    console.error(err);
    A.clear(box).appendChild(A.el("p", { class: "warn", text: A.t("error") + " " + url }));
  }

  function table(headers, rows) {
    const head = A.el("tr", null, headers.map(function (h) {
      return A.el("th", { scope: "col", text: h });
    }));
    const body = rows.map(function (r) {
      return A.el("tr", null, r.map(function (c) {
        return c instanceof Node ? A.el("td", null, [c]) : A.el("td", { text: c });
      }));
    });
    return A.el("div", { class: "table-wrap" }, [
      A.el("table", null, [A.el("thead", null, [head]), A.el("tbody", null, body)])]);
  }

  /* The active categories, then the retired ones (for claims about the past). */
  function fillCatSelect(sel, value) {
    A.clear(sel);
    for (const c of cats)
      sel.appendChild(A.el("option", { value: c.id, text: label(c.id) }));
    const retired = Object.values(allCats).filter(function (c) { return !c.active; });
    if (retired.length)
      sel.appendChild(A.el("optgroup", { label: A.t("retired") }, retired.map(function (c) {
        return A.el("option", { value: c.id, text: label(c.id) });
      })));
    sel.value = value && allCats[value] ? value : "personnel";
  }

  /* ---- latest report (or the report of a chosen date) -------------------------------- */

  let shown = null, shownCum = null;   /* the report on the cards: latest, or S.report's */

  async function loadReport() {
    const date = S.report;
    const urls = date ? ["/v1/daily/" + date, "/v1/cumulative/" + date]
                      : ["/v1/daily/latest", "/v1/cumulative/latest"];
    const both = date ? await load($("cards"), urls, true) : [latest, cumLatest];
    if (!both || date !== S.report)
      return;                              /* failed, or a later choice won */
    shown = both[0];
    shownCum = both[1];
    renderReport(urls);
  }

  /* The cards: the active categories for the latest report; for an older one, every
   * category it has a total for (retired ones included). */
  function renderReport(urls) {
    const d = shown;
    const age = (Date.now() - Date.parse(latest.date + "T00:00:00Z")) / 3600000;
    const ageText = age < 48 ? A.num(Math.max(0, age)) + " " + A.t("ago_h")
                             : A.num(Math.floor(age / 24)) + " " + A.t("ago_d");
    A.clear($("latest-meta")).append(A.t("report_of") + " ",
      A.el("time", { datetime: d.date, id: "latest-date", text: d.date }),
      " · " + A.t("war_day", { n: A.num(d.day) }) + " · " +
      A.t("data_as_of") + " " + latest.date + " (" + ageText + ")");
    $("stale").hidden = age <= 36;
    $("stale").textContent = A.t("stale");
    const list = S.report ? Object.values(allCats).filter(function (c) {
      return shownCum.totals[c.id] !== undefined;
    }) : cats;
    const box = A.clear($("cards"));
    for (const c of list)
      box.appendChild(card(c.id));
    const csv = [["category", "date", "day", "losses", "total", "qualifier", "correction"]]
      .concat(list.map(function (c) {
        return [c.id, d.date, d.day, d.losses[c.id], shownCum.totals[c.id],
                (shownCum.qualifiers || {})[c.id], (d.corrections || []).indexOf(c.id) >= 0];
      }));
    A.cite($("cite-latest"), [{ url: "/v1/categories" }, { url: urls[0] }, { url: urls[1] }],
           csv, "report-" + d.date);
    if (!performance.getEntriesByName("attrition-cards").length)
      performance.mark("attrition-cards");
  }

  /* The ministry's "about" / "more than" before a total, in the current language. */
  function qualifier(q) {
    if (!q)
      return "";
    return (window.ATTRITION_I18N.text["q_" + q] ? A.t("q_" + q) : q) + " ";
  }

  function card(id) {
    const v = shown.losses[id];
    const total = shownCum.totals[id];
    const qual = shownCum.qualifiers && shownCum.qualifiers[id];
    const corr = (shown.corrections || []).indexOf(id) >= 0;
    const day = A.el("p", { class: "card-day" + (corr ? " neg" : ""),
                            "data-value": v === undefined ? "" : v,
                            text: v === undefined ? A.t("no_daily") : A.signed(v) });
    const items = [A.el("h3", { text: label(id) }), day,
      A.el("p", { class: "card-total", "data-value": total === undefined ? "" : total },
           [A.t("total") + " ", A.el("strong", { text: qualifier(qual) + A.num(total) })])];
    if (corr)
      items.push(A.el("p", { class: "badge", text: A.t("correction") }));
    if (shown.span_days > 1)
      items.push(A.el("p", { class: "badge", text: A.t("covers", { n: shown.span_days }) }));
    return A.el("article", { class: "card" + (corr ? " corrected" : ""), "data-cat": id }, items);
  }

  /* ---- charts ------------------------------------------------------------------------- */

  function colours() {
    const cs = getComputedStyle(document.documentElement);
    return { line: cs.getPropertyValue("--chart").trim(), fg: cs.getPropertyValue("--fg").trim(),
             grid: cs.getPropertyValue("--grid").trim(), gap: cs.getPropertyValue("--gap").trim() };
  }

  /* The date axis in the page's language: dygraphs' own labels are English ("Jul 2022");
   * ticks on the first of a month name the month and year, others the day and month. */
  function dateLabel(d, granularity, opts, g) {
    if (A.lang !== "uk")
      return window.Dygraph.dateAxisLabelFormatter(d, granularity, opts, g);
    if (d.getDate() !== 1)
      return new Intl.DateTimeFormat("uk-UA", { day: "numeric", month: "short" }).format(d);
    return new Intl.DateTimeFormat("uk-UA", { month: "short" }).format(d) + " " + d.getFullYear();
  }

  function chartOptions(title, roll, step) {
    const c = colours();
    return {
      axes: { x: { axisLabelWidth: 72, axisLabelFormatter: dateLabel }, y: { axisLabelWidth: 56 } },
      labels: ["date", title], colors: [c.line], rollPeriod: roll, stepPlot: step,
      showRangeSelector: true, rangeSelectorHeight: 36, axisLineColor: c.fg, gridLineColor: c.grid,
      rangeSelectorPlotStrokeColor: c.line, rangeSelectorPlotFillColor: c.grid,
      rangeSelectorForegroundStrokeColor: c.fg, rangeSelectorBackgroundStrokeColor: c.grid,
      labelsKMB: true, fillGraph: step, strokeWidth: 1.5, connectSeparatedPoints: false,
      underlayCallback: shadeGaps,
      highlightCallback: function (ev, x, pts) { readout(pts[0]); },
      unhighlightCallback: function () { readout(null); },
      zoomCallback: function (lo, hi) {
        set("win", isoRange(lo, hi));
        markWindow();
      }
    };
  }

  /* Shades the days a report after a gap covers (span_days > 1), under the line. */
  function shadeGaps(ctx, area, g) {
    if (S.view !== "daily")
      return;
    ctx.fillStyle = colours().gap;
    for (const r of chartRows) {
      if (r.span <= 1)
        continue;
      const end = A.chartDate(r.date).getTime() + 43200000;
      const x0 = g.toDomXCoord(end - r.span * 86400000), x1 = g.toDomXCoord(end);
      ctx.fillRect(x0, area.y, Math.max(2, x1 - x0), area.h);
    }
  }

  /* The text under the chart: what is drawn, or the point under the pointer. */
  function readout(pt) {
    const r = pt ? chartRows[pt.idx] : null;
    let s = label(S.cat) + ": " + A.t("view_" + S.view);
    if (S.view === "daily" && chart)
      s += ", " + A.t("average") + " " + chart.rollPeriod();
    if (r) {
      s += " · " + r.date + ": " + A.num(r.value);
      if (r.span > 1)
        s += " (" + A.t("covers", { n: r.span }) + ", " + A.num(r.value / r.span, 1) + " " +
             A.t("per_day") + ")";
      if (S.view === "daily" && chart.rollPeriod() > 1)
        s += " · " + A.t("average") + " " + chart.rollPeriod() + ": " + A.num(pt.yval, 1);
    }
    $("chart-title").textContent = s;
  }

  async function loadChart() {
    const cat = S.cat, view = S.view;
    const group = view === "month" || view === "week";
    const url = group ? A.url("/v1/summary", { group: view, category: cat })
                      : A.url("/v1/" + view, { category: cat });
    const data = await load($("chart-table"), url);
    if (!data || !(await charting()) || cat !== S.cat || view !== S.view)
      return;                              /* failed, or a later choice won */
    chartRows = group ? summaryRows(data, cat) : seriesRows(data, cat, view);
    drawChart(view, group);
    A.clear($("chart-table"));
    if (group)
      $("chart-table").appendChild(summaryTable(data, cat));
    A.cite($("cite-chart"), [{ url: url, csv: !group }], group ? [["period", "from", "to", "days",
      cat, cat + "_per_day", "change_per_day_pct"]].concat(data.periods.map(function (p) {
        return [p.period, p.from, p.to, p.days, p.losses[cat], p.per_day[cat],
                p.change && p.change[cat] ? p.change[cat].pct : ""];
      })) : null, cat + "-" + view);
  }

  /* Daily rows: a report after a gap (span_days k > 1) is drawn as value / k per day, so that
   * it is not a spike; its real value stays in the readout. */
  function seriesRows(data, cat, view) {
    const rows = [];
    const gaps = [], marks = [];
    for (const r of data.series) {
      const v = view === "daily" ? r.losses[cat] : r.totals[cat];
      if (v === undefined)
        continue;
      const span = view === "daily" ? r.span_days || 1 : 1;
      if (span > 1) {
        gaps.push(r.date + " (" + A.num(v) + " / " + span + ")");
        marks.push(r.date + ":" + v + ":" + v / span);
      }
      rows.push({ date: r.date, value: v, span: span, y: v / span });
    }
    const note = $("chart-note");
    note.textContent = gaps.length ? A.t("gaps", { n: gaps.length }) + " " + gaps.slice(0, 8).join(", ") +
                                     (gaps.length > 8 ? ", …" : "") : "";
    note.setAttribute("data-gaps", marks.join(";"));
    return rows;
  }

  function summaryRows(data, cat) {
    $("chart-note").textContent = "";
    $("chart-note").setAttribute("data-gaps", "");
    return data.periods.filter(function (p) { return p.losses[cat] !== undefined; })
      .map(function (p) {
        return { date: p.from, value: p.losses[cat], span: p.days, y: p.per_day[cat] };
      });
  }

  function summaryTable(data, cat) {
    const rows = data.periods.filter(function (p) { return p.losses[cat] !== undefined; })
      .reverse().map(function (p) {
        const ch = p.change && p.change[cat];
        return [p.period, A.num(p.days), A.num(p.losses[cat]), A.num(p.per_day[cat], 1),
                ch && ch.pct !== null && ch.pct !== undefined ? A.signed(ch.pct) + " %" : "–"];
      });
    return table([A.t("period"), A.t("days"), A.t("losses"), A.t("per_day"), A.t("change")], rows);
  }

  function drawChart(view, group) {
    const pts = chartRows.map(function (r) { return [A.chartDate(r.date), r.y]; });
    const title = label(S.cat) + (group ? " (" + A.t("per_day") + ")" : "");
    const roll = view === "daily" ? Math.max(1, Math.min(90, +S.roll || 7)) : 1;
    $("roll-box").hidden = view !== "daily";
    const opts = chartOptions(title, roll, group);
    opts.dateWindow = windowOf(S.win);
    if (chart)
      chart.destroy();
    chart = pts.length ? new window.Dygraph($("chart"), pts, opts) : null;
    markWindow();
    readout(null);
    if (!performance.getEntriesByName("attrition-chart").length)
      performance.mark("attrition-chart");
  }

  /* "from..to" of a range of chart times (local midnights, ms). */
  function isoRange(lo, hi) {
    return A.isoOf(Math.round(lo / 86400000)) + ".." + A.isoOf(Math.round(hi / 86400000));
  }

  /* The range the chart shows, on the chart's element (for tests and tools). */
  function markWindow() {
    const r = chart ? chart.xAxisRange() : null;
    $("chart").setAttribute("data-window", r ? isoRange(r[0], r[1]) : "");
  }

  function windowOf(win) {
    const m = /^(\d{4}-\d\d-\d\d)\.\.(\d{4}-\d\d-\d\d)$/.exec(win || "");
    return m ? [A.chartDate(m[1]).getTime(), A.chartDate(m[2]).getTime()] : null;
  }

  function setRange(days) {
    if (!chartRows.length)
      return;
    const last = chartRows[chartRows.length - 1].date;
    const win = +days ? A.isoOf(A.dayOf(last) - days) + ".." + last : "";
    set("win", win);
    if (chart)
      chart.updateOptions({ dateWindow: windowOf(win) });
    markWindow();
  }

  /* ---- check a claim ------------------------------------------------------------------ */

  /* The answer to url (or, with many, to each URL of the array url), or null after saying
   * in box that it failed. */
  async function load(box, url, many) {
    try {
      return await (many ? Promise.all(url.map(A.get)) : A.get(url));
    } catch (err) {
      fail(box, many ? url.join(" ") : url, err);
      return null;
    }
  }

  function rankTable(list) {
    return table(["#", A.t("date"), A.t("value")], list.map(function (a) {
      return [String(a.rank), a.date, A.num(a.value)];
    }));
  }

  async function showRank() {
    const cat = $("rank-cat").value, date = $("rank-date").value, from = $("rank-from").value;
    set("rank_cat", cat); set("rank_date", date); set("rank_from", from);
    const url = A.url("/v1/records/" + cat + "/" + date, { from: from });
    const box = $("rank-result");
    const r = await load(box, url);
    if (!r)
      return;
    A.clear(box).appendChild(A.el("p", { class: "big", "data-rank": r.rank,
      text: A.t("rank_result", { value: A.num(r.value), date: r.date, rank: r.rank,
                                 n: A.num(r.days_compared), from: r.from }) }));
    box.appendChild(A.el("h4", { text: A.t("above") }));
    if (!r.above.length)
      box.appendChild(A.el("p", { text: A.t("none_above") }));
    else
      box.appendChild(rankTable(r.above));
    A.cite($("cite-rank"), [{ url: url }], [["rank", "date", r.category]].concat(r.above.map(
      function (a) { return [a.rank, a.date, a.value]; }), [[r.rank, r.date, r.value]]),
      "rank-" + r.category + "-" + r.date);
  }

  async function showSum() {
    const from = $("sum-from").value, to = $("sum-to").value;
    set("sum_from", from); set("sum_to", to);
    const len = A.dayOf(to) - A.dayOf(from) + 1;
    const prev = { from: A.isoOf(A.dayOf(from) - len), to: A.isoOf(A.dayOf(from) - 1) };
    const url = A.url("/v1/summary", { from: from, to: to });
    const purl = A.url("/v1/summary", prev);
    const box = $("sum-result");
    const both = await load(box, [url, purl], true);
    if (!both)
      return;
    const cur = both[0], old = both[1];
    const p = cur.periods[0], q = old.periods[0];
    if (!p)
      return A.clear(box);
    const csv = [["category", "from", "to", "losses", "per_day", "previous", "change_pct"]];
    const rows = cats.filter(function (c) { return p.losses[c.id] !== undefined; })
      .map(function (c) {
        const was = q ? q.losses[c.id] : undefined;
        const pct = was ? (p.losses[c.id] - was) / was * 100 : null;
        csv.push([c.id, p.from, p.to, p.losses[c.id], p.per_day[c.id], was, pct]);
        return [label(c.id), A.el("span", { "data-cat": c.id, "data-value": p.losses[c.id],
                                            text: A.num(p.losses[c.id]) }),
                A.num(p.per_day[c.id], 1), A.num(was),
                pct === null ? "–" : A.signed(Math.round(pct * 10) / 10) + "\u00a0%"];
      });
    A.clear(box).appendChild(A.el("p", { text: p.from + " – " + p.to + " · " + A.num(p.days) +
      " " + A.t("days") + " · " + A.t("previous") + ": " + prev.from + " – " + prev.to }));
    box.appendChild(table([A.t("category"), A.t("losses"), A.t("per_day"), A.t("previous"),
                           A.t("change_prev")], rows));
    A.cite($("cite-sum"), [{ url: url }, { url: purl }], csv, "losses-" + p.from + "-" + p.to);
  }

  async function showRecords() {
    const cat = $("rec-cat").value, n = $("rec-n").value;
    const from = $("rec-from").value, to = $("rec-to").value;
    set("rec_cat", cat); set("rec_n", n); set("rec_from", from); set("rec_to", to);
    const url = A.url("/v1/records/" + cat, { limit: n, from: from, to: to });
    const box = $("rec-result");
    const r = await load(box, url);
    if (!r)
      return;
    A.clear(box).appendChild(A.el("p", { text: r.from + " – " + r.to + " · " +
                                               A.num(r.days_compared) + " " + A.t("days") }));
    box.appendChild(rankTable(r.records));
    A.cite($("cite-rec"), [{ url: url }], [["rank", "date", r.category]].concat(r.records.map(
      function (a) { return [a.rank, a.date, a.value]; })), "records-" + r.category);
  }

  /* ---- deployments ------------------------------------------------------------------- */

  async function loadDeployments() {
    const box = $("dep-list");
    const list = await load(box, "/v1/deployments");
    if (!list)
      return;
    const pairs = [];
    for (const d of list.deployments) {
      const key = d.country + ">" + d.deployed_to;
      if (pairs.indexOf(key) < 0)
        pairs.push(key);
    }
    const reqs = [{ url: "/v1/deployments" }];
    const urls = pairs.map(function (k) {
      const p = k.split(">");
      return A.url("/v1/deployments/summary", { country: p[0], deployed_to: p[1] });
    });
    const sums = await load(box, urls, true);
    if (!sums)
      return;
    A.clear(box);
    sums.forEach(function (s, i) {
      box.appendChild(deployment(s, list.deployments));
      reqs.push({ url: urls[i] });
    });
    A.cite($("cite-dep"), reqs, [["id", "country", "deployed_to", "as_of", "figure", "low", "high",
      "kind", "target_date", "source", "source_url"]].concat(list.deployments.map(function (d) {
        return [d.id, d.country, d.deployed_to, d.as_of, d.figure, d.low, d.high, d.kind,
                d.target_date, d.source && d.source.name, d.source && d.source.url];
      })), "deployments");
  }

  function source(src) {
    if (!src)
      return "–";
    return src.url ? A.el("a", { href: src.url, rel: "noopener noreferrer", text: src.name })
                   : A.el("span", { text: src.name });
  }

  function estimate(e) {
    if (!e)
      return A.el("span", { text: A.t("none") });
    const fig = e.low !== null && e.high !== null && e.low !== undefined && e.high !== undefined
      ? A.num(e.low) + "–" + A.num(e.high) : A.num(e.figure);
    return A.el("span", null, [A.el("strong", { text: fig }), " (" + e.as_of +
      (e.target_date ? ", " + A.t("dep_by") + " " + e.target_date : "") + ", ", source(e.source), ")"]);
  }

  function deployment(s, all) {
    const one = all.find(function (d) { return d.country === s.country; });
    const name = (one && one.country_name ? one.country_name : s.country) + " → " +
                 (one && one.deployed_to_name ? one.deployed_to_name : s.deployed_to);
    const range = s.range ? A.num(s.range.low) + " – " + A.num(s.range.high) : A.t("none");
    /* history rows name their source; the estimate itself (by id) has its link too */
    const hist = table([A.t("date"), A.t("value"), A.t("kind"), A.t("source")],
      (s.history || []).map(function (h) {
        const full = all.find(function (d) { return d.id === h.id; });
        const src = full ? full.source : h.source;
        return [h.as_of, A.num(h.figure), A.t("kind_" + h.kind), source(src)];
      }));
    return A.el("article", { class: "dep", "data-pair": s.country + ">" + s.deployed_to }, [
      A.el("h3", { text: name }),
      A.el("dl", null, [
        A.el("dt", { text: A.t("dep_latest") }), A.el("dd", null, [estimate(s.latest)]),
        A.el("dt", { text: A.t("dep_range") }), A.el("dd", { text: range }),
        A.el("dt", { text: A.t("dep_projection") }), A.el("dd", null, [estimate(s.projection)])]),
      A.el("h4", { text: A.t("dep_history") }), hist]);
  }

  /* ---- wiring ------------------------------------------------------------------------- */

  function applyLanguage() {
    A.lang = S.lang === "uk" ? "uk" : "en";
    A.translate();
    for (const b of document.querySelectorAll("[data-lang]"))
      b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === A.lang));
  }

  /* Everything that shows text: after a language change, redrawn from the state. */
  function renderAll() {
    applyLanguage();
    fillCatSelect($("chart-cat"), S.cat);
    fillCatSelect($("rank-cat"), S.rank_cat);
    fillCatSelect($("rec-cat"), S.rec_cat);
    loadReport();
    loadChart();
    showRank();
    showSum();
    showRecords();
    loadDeployments();
  }

  function defaults() {
    S.cat = allCats[S.cat] ? S.cat : "personnel";
    S.view = ["daily", "cumulative", "month", "week"].indexOf(S.view) >= 0 ? S.view : "daily";
    S.roll = S.roll || "7";
    $("report-date").value = S.report || latest.date;
    $("report-date").max = latest.date;
    $("report-date").min = allCats.personnel ? allCats.personnel.first_date : "";
    $("chart-view").value = S.view;
    $("chart-roll").value = S.roll;
    $("rank-date").value = S.rank_date || latest.date;
    $("rank-from").value = S.rank_from || "2022-04-01";
    $("sum-to").value = S.sum_to || latest.date;
    $("sum-from").value = S.sum_from || A.monday($("sum-to").value);
    $("rec-n").value = S.rec_n || "10";
    $("rec-from").value = S.rec_from;
    $("rec-to").value = S.rec_to;
  }

  function wire() {
    for (const b of document.querySelectorAll("[data-lang]"))
      b.addEventListener("click", function () {
        set("lang", b.getAttribute("data-lang") === "uk" ? "uk" : "");
        renderAll();
      });
    $("theme").value = A.theme();
    $("theme").addEventListener("change", function () {
      A.setTheme($("theme").value);
      if (chartRows.length)
        drawChart(S.view, S.view === "month" || S.view === "week");
    });
    $("permalink").addEventListener("click", function () { A.copy(location.href, $("permalink")); });
    $("chart-cat").addEventListener("change", function () { set("cat", $("chart-cat").value); loadChart(); });
    $("chart-view").addEventListener("change", function () {
      set("view", $("chart-view").value);
      set("win", "");
      loadChart();
    });
    $("chart-roll").addEventListener("change", function () {
      const n = Math.max(1, Math.min(90, parseInt($("chart-roll").value, 10) || 7));
      set("roll", n);
      if (chart)
        chart.updateOptions({ rollPeriod: n });
    });
    for (const b of document.querySelectorAll("[data-range]"))
      b.addEventListener("click", function () { setRange(b.getAttribute("data-range")); });
    $("sum-monday").addEventListener("click", function () {
      const to = $("sum-to").value || latest.date;
      $("sum-to").value = to;
      $("sum-from").value = A.monday(to);
      showSum();
    });
    $("report-latest").addEventListener("click", function () {
      $("report-date").value = latest.date;
      set("report", "");
      loadReport();
    });
    const report = function () {
      const v = $("report-date").value;
      set("report", v && v !== latest.date ? v : "");
      loadReport();
    };
    const forms = { "rank-form": showRank, "sum-form": showSum, "rec-form": showRecords,
                    "report-form": report };
    for (const id in forms)
      $(id).addEventListener("submit", function (ev) { ev.preventDefault(); forms[id](); });
    /* an address with another state pasted or followed: show it */
    window.addEventListener("hashchange", function () {
      if (!latest)
        return;                            /* main() reads the state once loaded */
      readState();
      defaults();
      renderAll();
    });
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
      if (chartRows.length)
        drawChart(S.view, S.view === "month" || S.view === "week");
    });
  }

  /* The range selector's handles as dygraphs makes them, but drawn from our own file: its
   * built-in image is a data: URL, which the Content-Security-Policy (default-src 'self')
   * refuses. Follows RangeSelector.prototype.createZoomHandles_ of dygraphs 2.2. */
  function useOwnZoomHandle(proto, url) {
    proto.createZoomHandles_ = function () {
      const img = new Image();
      img.className = "dygraph-rangesel-zoomhandle";
      img.style.position = "absolute";
      img.style.zIndex = 10;
      img.style.visibility = "hidden";
      img.style.cursor = "col-resize";
      img.width = this.isMobileDevice_ ? 18 : 9;
      img.height = this.isMobileDevice_ ? 32 : 16;
      img.alt = "";
      img.src = url;
      this.leftZoomHandle_ = img;
      this.rightZoomHandle_ = img.cloneNode(false);
    };
  }

  /* dygraphs, once its script (loaded async, so that the cards need not wait for it) has
   * run and been adapted: our own readout replaces its legend, which writes inline styles
   * that the Content-Security-Policy refuses. Resolves to true, or false if it failed. */
  let dygraphs = null;
  function charting() {
    dygraphs = dygraphs || new Promise(function (resolve) {
      const script = $("dygraph-js");
      const ready = function () {
        const D = window.Dygraph;
        D.PLUGINS = D.PLUGINS.filter(function (p) { return p !== D.Plugins.Legend; });
        useOwnZoomHandle(D.Plugins.RangeSelector.prototype, document.body.dataset.zoomhandle);
        resolve(true);
      };
      if (window.Dygraph)
        return ready();
      script.addEventListener("load", ready);
      script.addEventListener("error", function () {
        fail($("chart-table"), script.src, new Error("the chart library did not load"));
        resolve(false);
      });
    });
    return dygraphs;
  }

  async function main() {
    charting();
    readState();
    /* The default chart's data, asked for with the first requests rather than after them. */
    if (!S.cat && !S.view)
      A.prefetch(A.url("/v1/daily", { category: "personnel" }));
    applyLanguage();
    wire();
    try {
      const [c, d, t] = await Promise.all([A.get("/v1/categories"), A.get("/v1/daily/latest"),
                                           A.get("/v1/cumulative/latest")]);
      for (const x of c.categories)
        allCats[x.id] = x;
      cats = c.categories.filter(function (x) { return x.active; });
      latest = d;
      cumLatest = t;
    } catch (err) {
      return fail($("cards"), "/v1/categories, /v1/daily/latest, /v1/cumulative/latest", err);
    }
    defaults();
    writeState();
    renderAll();
    document.body.setAttribute("data-ready", "1");
  }

  /* Reloads the categories and the latest report, then redraws from the state (web/live.js
   * calls it when the server announces a new or corrected report). */
  A.reload = async function () {
    const [c, d, t] = await Promise.all([A.get("/v1/categories"), A.get("/v1/daily/latest"),
                                         A.get("/v1/cumulative/latest")]);
    allCats = {};
    for (const x of c.categories)
      allCats[x.id] = x;
    cats = c.categories.filter(function (x) { return x.active; });
    latest = d;
    cumLatest = t;
    defaults();
    renderAll();
  };

  document.addEventListener("DOMContentLoaded", main);
})();
