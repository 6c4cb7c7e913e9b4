/* Shared by the dashboard and the API reference: fetching, text, numbers, dates, the
 * language, and the "cite" line (the request behind a figure, copyable, downloadable). */
"use strict";

window.A = (function () {
  const I = window.ATTRITION_I18N;
  const A = { lang: "en" };

  /* GET a JSON answer of our API; rejects with an Error naming the URL and status. */
  async function getJson(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    if (!r.ok)
      throw new Error(url + ": HTTP " + r.status);
    return r.json();
  }

  /* Requests started early (A.prefetch), each taken by the first A.get of its URL. */
  const early = {};
  A.prefetch = function (url) {
    early[url] = getJson(url);
    early[url].catch(function () { /* reported by the A.get that takes it */ });
  };
  A.get = function (url) {
    const p = early[url];
    delete early[url];
    return p || getJson(url);
  };

  /* An interface string in the current language, with {name} filled from vars. */
  A.t = function (key, vars) {
    const pair = I.text[key];
    let s = pair ? pair[A.lang === "uk" ? 1 : 0] : key;
    for (const k in vars || {})
      s = s.split("{" + k + "}").join(vars[k]);
    return s;
  };

  /* A category's label: ours in the current language, else the API's (apiLabel). */
  A.catLabel = function (id, apiLabel) {
    const pair = I.cats[id];
    return pair ? pair[A.lang === "uk" ? 1 : 0] : (apiLabel || id);
  };

  A.num = function (v, digits) {
    if (v === null || v === undefined)
      return "–";
    const f = new Intl.NumberFormat(A.lang === "uk" ? "uk-UA" : "en-US",
                                    { maximumFractionDigits: digits || 0 });
    return f.format(v);
  };

  A.signed = function (v) {
    return (v > 0 ? "+" : "") + A.num(v);
  };

  /* Dates as the API writes them (YYYY-MM-DD) <-> UTC day numbers. */
  A.dayOf = function (iso) {
    return Math.round(Date.parse(iso + "T00:00:00Z") / 86400000);
  };
  A.isoOf = function (day) {
    return new Date(day * 86400000).toISOString().slice(0, 10);
  };
  /* The Monday of the ISO week holding iso. */
  A.monday = function (iso) {
    const d = A.dayOf(iso);
    const weekday = (new Date(d * 86400000).getUTCDay() + 6) % 7;
    return A.isoOf(d - weekday);
  };
  /* A local-midnight Date for charts (dygraphs draws local time). */
  A.chartDate = function (iso) {
    const p = iso.split("-");
    return new Date(+p[0], +p[1] - 1, +p[2]);
  };

  /* An element: tag, attributes (class, text, data-*, ...), children. No HTML strings. */
  A.el = function (tag, attrs, children) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      if (k === "text")
        e.textContent = attrs[k];
      else if (k === "class")
        e.className = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined)
        e.setAttribute(k, attrs[k]);
    }
    for (const c of children || [])
      if (c !== null && c !== undefined)
        e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    return e;
  };

  A.clear = function (e) {
    while (e.firstChild)
      e.removeChild(e.firstChild);
    return e;
  };

  /* A URL of our API with its query, parameters in the order given, empty ones left out. */
  A.url = function (path, params) {
    const q = [];
    for (const k in params || {})
      if (params[k] !== "" && params[k] !== null && params[k] !== undefined)
        q.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k]).replace(/%2C/g, ","));
    return path + (q.length ? "?" + q.join("&") : "");
  };

  /* A CSV download of rows (arrays; the first one the header) made here, for views whose
   * endpoint has no CSV: a blob: URL (released when box is cited again). */
  function csvLink(box, rows, name) {
    const quote = function (v) {
      const t = v === null || v === undefined ? "" : String(v);
      return /[",\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
    };
    const text = rows.map(function (r) { return r.map(quote).join(","); }).join("\n") + "\n";
    const href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
    box.blobs.push(href);
    return A.el("a", { href: href, download: name + ".csv", class: "dl", text: "CSV" });
  }

  /* Fills box with the requests behind a view: each one's URL (a link, and a copy button)
   * and downloads: JSON always; CSV from the endpoint where it speaks it (csv true), else
   * made from the rows shown (rows: arrays, the first the header; name: the file's). */
  A.cite = function (box, reqs, rows, name) {
    for (const b of box.blobs || [])
      URL.revokeObjectURL(b);
    box.blobs = [];
    A.clear(box);
    box.appendChild(A.el("span", { class: "cite-label", text: A.t("request") + ":" }));
    for (const r of reqs) {
      const abs = location.origin + r.url;
      const copy = A.el("button", { type: "button", class: "copy", text: A.t("copy"),
                                    "aria-label": A.t("copy") + " " + abs });
      copy.addEventListener("click", function () { A.copy(abs, copy); });
      const item = A.el("span", { class: "cite-item" }, [
        A.el("a", { href: r.url, class: "cite-url", text: r.url }), " ", copy,
        " ", A.el("a", { href: r.url, download: "", class: "dl", text: "JSON" })]);
      if (r.csv) {
        const sep = r.url.indexOf("?") < 0 ? "?" : "&";
        item.appendChild(document.createTextNode(" "));
        item.appendChild(A.el("a", { href: r.url + sep + "format=csv", download: "",
                                     class: "dl", text: "CSV" }));
      }
      box.appendChild(item);
    }
    if (rows)
      box.appendChild(csvLink(box, rows, name || "attrition"));
  };

  /* Copies text and marks the button; where the clipboard is not available (a page served
   * over plain HTTP from another host) shows the text selected, beside the button. */
  A.copy = function (text, button) {
    const done = function () {
      const old = button.textContent;
      button.textContent = A.t("copied");
      setTimeout(function () { button.textContent = old; }, 1500);
    };
    const show = function () {
      let box = button.nextElementSibling;
      if (!box || !box.classList.contains("copy-box")) {
        box = A.el("input", { class: "copy-box", readonly: "", "aria-label": A.t("copy") });
        button.after(box);
      }
      box.value = text;
      box.focus();
      box.select();
    };
    if (navigator.clipboard && window.isSecureContext)
      navigator.clipboard.writeText(text).then(done, show);
    else
      show();
  };

  /* The colour scheme: "light", "dark" or "auto" (the system's), kept in localStorage. */
  A.theme = function () {
    try {
      return localStorage.getItem("attrition-theme") || "auto";
    } catch (e) {
      return "auto";
    }
  };
  A.setTheme = function (t) {
    try {
      localStorage.setItem("attrition-theme", t);
    } catch (e) { /* private mode: not remembered */ }
    document.documentElement.setAttribute("data-theme", t);
  };
  A.isDark = function () {
    const t = document.documentElement.getAttribute("data-theme");
    if (t === "dark" || t === "light")
      return t === "dark";
    return window.matchMedia("(prefers-color-scheme: dark)").matches;
  };
  document.documentElement.setAttribute("data-theme", A.theme());

  /* Fills every [data-t] element with its string, and every [data-t-label] one's aria-label. */
  A.translate = function (root) {
    for (const e of (root || document).querySelectorAll("[data-t]"))
      e.textContent = A.t(e.getAttribute("data-t"));
    for (const e of (root || document).querySelectorAll("[data-t-label]"))
      e.setAttribute("aria-label", A.t(e.getAttribute("data-t-label")));
    document.documentElement.lang = A.lang;
  };

  return A;
})();
