/* "Check a text": paste an article or a post; POST /v1/check judges every loss figure in it;
 * the text is shown with each figure marked (colour and symbol: ✓ correct, ✗ incorrect,
 * ? unverifiable); a click (or Enter) on a mark shows its note and the API request that
 * shows the actual figure. A short text and its date are kept in the URL's fragment
 * (check_text, check_as_of) so the address can be shared. Its strings are i18n.js's check_*,
 * in the page's language (A.lang). */
"use strict";

(function () {
  const A = window.A;
  const $ = function (id) { return document.getElementById(id); };
  const PERMALINK_MAX = 1500;  /* characters of text kept in the fragment */
  const SYMBOL = { correct: "✓", incorrect: "✗", unverifiable: "?" };
  let last = null;   /* {text, answer, picked} of the last check, for relabelling */

  /* Strings live in i18n.js (check_*), in the page's language (A.lang, app.js). */
  function t(key, vars) {
    return A.t("check_" + key, vars);
  }

  /* The labels of the form are [data-t] elements (A.translate); what this file drew is
   * drawn again in the new language. */
  function relabel() {
    if (last)
      show(last.text, last.answer, last.picked);
  }

  /* The fragment's other keys are kept (the dashboard's own state lives there too). */
  function remember(text, asOf) {
    const q = new URLSearchParams(location.hash.slice(1));
    if (text && Array.from(text).length <= PERMALINK_MAX) {
      q.set("check_text", text);
      if (asOf) q.set("check_as_of", asOf); else q.delete("check_as_of");
    } else {
      q.delete("check_text");
      q.delete("check_as_of");
    }
    history.replaceState(null, "", "#" + q.toString());
  }

  /* The note of claim i, in a box kept in sight (sticky) under the text; its close button
   * gives the focus back to the mark. */
  function detail(i) {
    const c = last.answer.claims[i];
    last.picked = i;
    for (const m of document.querySelectorAll("#check-marked .check-mark"))
      m.setAttribute("aria-expanded", String(+m.getAttribute("data-i") === i));
    const box = A.clear($("check-detail"));
    const close = A.el("button", { type: "button", class: "check-close", text: "×",
                                   "aria-label": t("close"), title: t("close") });
    close.addEventListener("click", function () {
      A.clear(box);
      last.picked = undefined;
      const m = document.querySelector('#check-marked .check-mark[data-i="' + i + '"]');
      if (m) {
        m.setAttribute("aria-expanded", "false");
        m.focus();
      }
    });
    const rows = [close, A.el("p", { class: "v-" + c.verdict }, [
      A.el("strong", { text: SYMBOL[c.verdict] + " " + t(c.verdict) }), " ",
      "“" + c.quote + "”"])];
    rows.push(A.el("p", { text: t("claimed") + ": " + A.num(c.claimed) +
      (c.actual !== undefined ? " · " + t("actual") + ": " + A.num(c.actual) : "") +
      " · " + t("kind_" + c.kind) + (c.category ? " · " + A.catLabel(c.category) : "") +
      (c.date ? " · " + c.date : "") + (c.from ? " · " + c.from + " – " + c.to : "") }));
    rows.push(A.el("p", { class: "check-note", text: c.note }));
    if (c.evidence)
      rows.push(A.el("p", null, [t("evidence") + ": ",
        A.el("a", { href: c.evidence, class: "check-evidence", text: c.evidence })]));
    for (const r of rows)
      box.appendChild(r);
  }

  /* The text with each claim marked; claims overlapping an earlier mark are listed only. */
  function show(text, answer, picked) {
    const chars = Array.from(text);
    const out = A.clear($("check-marked"));
    let pos = 0;
    answer.claims.forEach(function (c, i) {
      if (c.start < pos)
        return;
      out.appendChild(document.createTextNode(chars.slice(pos, c.start).join("")));
      const mark = A.el("mark", { class: "check-mark v-" + c.verdict, tabindex: "0",
                                  role: "button", "data-i": String(i),
                                  "aria-controls": "check-detail", "aria-expanded": "false",
                                  "data-verdict": c.verdict,
                                  title: t(c.verdict) + ": " + c.note }, [
        chars.slice(c.start, c.end).join(""),
        A.el("span", { class: "check-sym", "aria-hidden": "true", text: SYMBOL[c.verdict] })]);
      out.appendChild(mark);
      pos = c.end;
    });
    out.appendChild(document.createTextNode(chars.slice(pos).join("")));
    const n = answer.counts;
    $("check-counts").textContent = answer.claims.length === 0 ? t("none") :
      t("counts", { n: answer.claims.length, c: n.correct, i: n.incorrect, u: n.unverifiable,
                    date: answer.as_of });
    A.clear($("check-detail"));
    last = { text: text, answer: answer };
    if (picked !== undefined)
      detail(picked);
  }

  async function run() {
    const text = $("check-text").value;
    const asOf = $("check-as-of").value;
    if (!text.trim()) {
      $("check-counts").textContent = t("empty");
      return;
    }
    remember(text, asOf);
    const body = asOf ? { text: text, as_of: asOf } : { text: text };
    try {
      const r = await fetch("/v1/check", {
        method: "POST", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", Accept: "application/json" } });
      const answer = await r.json();
      if (!r.ok)
        throw new Error(answer.detail || ("HTTP " + r.status));
      show(text, answer);
    } catch (err) {
      A.clear($("check-marked"));
      $("check-counts").textContent = t("error") + " " + err.message;
    }
  }

  function pick(ev) {
    const m = ev.target.closest(".check-mark");
    if (!m || !last)
      return;
    if (ev.type === "keydown" && ev.key !== "Enter" && ev.key !== " ")
      return;
    ev.preventDefault();
    detail(+m.getAttribute("data-i"));
  }

  function init() {
    $("check-form").addEventListener("submit", function (ev) { ev.preventDefault(); run(); });
    $("check-marked").addEventListener("click", pick);
    $("check-marked").addEventListener("keydown", pick);
    new MutationObserver(relabel).observe(document.documentElement,
                                          { attributes: true, attributeFilter: ["lang"] });
    const q = new URLSearchParams(location.hash.slice(1));
    if (q.get("check_text")) {
      $("check-text").value = q.get("check_text");
      $("check-as-of").value = q.get("check_as_of") || "";
      run();
    }
  }

  if (document.readyState === "loading")
    document.addEventListener("DOMContentLoaded", init);
  else
    init();
})();
