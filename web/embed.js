/* Embedding: under each card and under the chart, an "Embed" control giving the <img>
 * snippet and the links of the image the API renders for it (/v1/cards/{id}.svg and .png,
 * /v1/charts/{id}.svg); and on each card a sparkline of the last 30 days' daily losses,
 * drawn here from /v1/daily. It watches what app.js renders (#cards, #cite-chart) and adds
 * to it, so app.js needs no change. No inline style (CSP): SVG presentation attributes and
 * classes only. Its strings are i18n.js's embed* and spark. On a card the control opens as
 * a panel over the cards below (the row keeps its height); under the chart, in place. */
"use strict";

(function () {
  const A = window.A;
  const NS = "http://www.w3.org/2000/svg";
  const DAYS = 30;
  /* A card's or the chart's image, in the page's language and theme. */
  function look() {
    return { lang: A.lang === "uk" ? "uk" : undefined, theme: A.isDark() ? "dark" : undefined };
  }

  /* The <details> control: the <img> snippet (selectable, copy button) and the links. */
  function control(svg, png, alt) {
    const attr = function (t) { return t.replace(/&/g, "&amp;").replace(/"/g, "&quot;"); };
    const code = '<img src="' + attr(location.origin + svg) + '" alt="' + attr(alt) +
                 '" loading="lazy">';
    const input = A.el("input", { type: "text", readonly: "", class: "embed-code", value: code,
                                  "aria-label": A.t("embed_code") });
    input.addEventListener("focus", function () { input.select(); });
    const copy = A.el("button", { type: "button", class: "copy", text: A.t("copy") });
    copy.addEventListener("click", function () { A.copy(code, copy); });
    const links = [A.el("a", { href: svg, class: "embed-svg", text: "SVG" })];
    if (png)
      links.push(" ", A.el("a", { href: png, class: "embed-png", text: "PNG" }));
    return A.el("details", { class: "embed" }, [
      A.el("summary", { text: A.t("embed") }),
      A.el("div", { class: "embed-panel" }, [
        A.el("p", { class: "embed-row" }, [input, " ", copy]),
        A.el("p", null, [A.t("embed_img") + ": "].concat(links))])]);
  }

  /* ---- cards -------------------------------------------------------------------------- */

  const series = {};   /* report date -> promise of /v1/daily over the DAYS days up to it */

  function sparkData(date) {
    if (!series[date])
      series[date] = A.get(A.url("/v1/daily", { from: A.isoOf(A.dayOf(date) - DAYS + 1), to: date }))
        .catch(function () { delete series[date]; return null; });
    return series[date];
  }

  /* The sparkline of category id: one point per report with a value, x by date. */
  function sparkline(data, id, date) {
    const first = A.dayOf(date) - DAYS + 1, pts = [];
    for (const r of data.series)
      if (r.losses[id] !== undefined && r.losses[id] !== null)
        pts.push([(A.dayOf(r.date) - first) / (DAYS - 1) * 100, r.losses[id]]);
    if (pts.length < 2)
      return null;
    const vals = pts.map(function (p) { return p[1]; });
    const lo = Math.min(0, Math.min.apply(null, vals)), hi = Math.max.apply(null, vals);
    const d = pts.map(function (p, i) {
      const y = 28 - (p[1] - lo) / ((hi - lo) || 1) * 26;
      return (i ? "L" : "M") + p[0].toFixed(1) + " " + y.toFixed(1);
    }).join("");
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 100 30");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("class", "spark");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", A.t("spark", { n: DAYS }));
    const path = document.createElementNS(NS, "path");
    path.setAttribute("d", d);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "1.5");
    path.setAttribute("vector-effect", "non-scaling-stroke");
    svg.appendChild(path);
    svg.setAttribute("data-points", String(pts.length));
    return svg;
  }

  async function decorateCards() {
    const cards = document.querySelectorAll("#cards .card[data-cat]:not([data-embed])");
    const dateEl = document.getElementById("latest-date");
    if (!cards.length || !dateEl)
      return;
    const date = dateEl.getAttribute("datetime");
    const q = look();
    for (const c of cards) {
      c.setAttribute("data-embed", "");
      const id = c.getAttribute("data-cat"), h = c.querySelector("h3");
      c.appendChild(control(A.url("/v1/cards/" + id + ".svg", q), A.url("/v1/cards/" + id + ".png", q),
                            h ? h.textContent : id));
    }
    const data = await sparkData(date);
    if (!data)
      return;
    for (const c of cards) {
      const s = c.isConnected && !c.querySelector(".spark") ? sparkline(data, c.getAttribute("data-cat"), date)
                                                            : null;
      if (s)
        c.insertBefore(s, c.querySelector(".embed"));
    }
  }

  /* ---- the chart ---------------------------------------------------------------------- */

  /* The chart's image: its category and grouping (the cumulative view is drawn daily), and
   * the window the range buttons or a zoom chose (#chart's data-window). */
  function decorateChart() {
    const box = document.getElementById("embed-chart"), cat = document.getElementById("chart-cat");
    const view = document.getElementById("chart-view").value;
    if (!box || !cat.value)
      return;
    const q = look();
    q.group = view === "week" || view === "month" ? view : undefined;
    const win = /^(\d{4}-\d\d-\d\d)\.\.(\d{4}-\d\d-\d\d)$/.exec(
      document.getElementById("chart").getAttribute("data-window") || "");
    if (win && (location.hash || "").indexOf("win=") >= 0) {
      q.from = win[1];
      q.to = win[2];
    }
    const label = cat.options[cat.selectedIndex] ? cat.options[cat.selectedIndex].textContent : cat.value;
    const was = box.querySelector("details");
    const c = control(A.url("/v1/charts/" + cat.value + ".svg", q), null, label);
    c.open = !!(was && was.open);
    A.clear(box).appendChild(c);
  }

  /* A card's panel lies over the cards below: it closes when the focus or a click goes
   * elsewhere, and on Escape (the focus back on its summary). */
  function closeOthers(ev) {
    for (const d of document.querySelectorAll("#cards details.embed[open]"))
      if (!d.contains(ev.target))
        d.open = false;
  }
  document.addEventListener("focusin", closeOthers);
  document.addEventListener("pointerdown", closeOthers);
  document.addEventListener("keydown", function (ev) {
    const d = ev.key === "Escape" && ev.target.closest ? ev.target.closest("details.embed[open]") : null;
    if (d) {
      d.open = false;
      d.querySelector("summary").focus();
    }
  });

  function watch(id, fn) {
    const el = document.getElementById(id);
    if (el)
      new MutationObserver(fn).observe(el, { childList: true });
  }
  watch("cards", decorateCards);
  watch("cite-chart", decorateChart);
  const chartEl = document.getElementById("chart");  /* a range button or a zoom */
  if (chartEl)
    new MutationObserver(decorateChart).observe(chartEl, { attributes: true,
                                                           attributeFilter: ["data-window"] });
  document.getElementById("theme").addEventListener("change", function () {
    for (const c of document.querySelectorAll("#cards .card[data-embed]")) {
      c.removeAttribute("data-embed");
      const e = c.querySelector(".embed");
      if (e)
        e.remove();
    }
    decorateCards();
    decorateChart();
  });
})();
