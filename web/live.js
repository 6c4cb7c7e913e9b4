/* Live updates of the dashboard: follows GET /v1/events and, when a report is stored or
 * corrected, reloads what the page shows (A.reload, app.js) and says so in a quiet notice.
 * Where EventSource is unavailable it polls /v1/daily/latest once a minute instead. */
"use strict";

(function () {
  const A = window.A;
  const MAIN = ["/v1/categories", "/v1/daily/latest", "/v1/cumulative/latest"];
  let timer = null;
  let lastEtag = null;

  /* The notice keeps its date, to say it again in another language (A.translate sets the
   * page's lang attribute). */
  function notice(date) {
    const box = document.getElementById("live-notice");
    box.setAttribute("data-date", date);
    box.textContent = A.t("live_new", { date: date });
    box.hidden = false;
  }
  new MutationObserver(function () {
    const box = document.getElementById("live-notice");
    if (box && !box.hidden && box.getAttribute("data-date"))
      box.textContent = A.t("live_new", { date: box.getAttribute("data-date") });
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });

  /* The browser may hold the main answers for max-age seconds: fetch them anew first, so
   * that A.reload's requests find the new ones. */
  async function refresh(date) {
    await Promise.all(MAIN.map(function (url) {
      return fetch(url, { cache: "reload", headers: { Accept: "application/json" } })
        .catch(function () { /* A.reload reports failures */ });
    }));
    if (A.reload)
      await A.reload();
    notice(date);
  }

  /* One refresh for a burst of events (an import announces several reports at once). */
  function schedule(date) {
    clearTimeout(timer);
    timer = setTimeout(function () { refresh(date).catch(console.error); }, 300);
  }

  function follow() {
    const es = new EventSource("/v1/events");
    let lost = false;
    /* Back after a lost connection (a restarted server keeps no events to replay): reload
     * quietly in case a report came meanwhile. */
    es.addEventListener("error", function () { lost = true; });
    es.addEventListener("open", function () {
      if (lost && A.reload)
        A.reload().catch(console.error);
      lost = false;
    });
    es.addEventListener("report", function (e) {
      try {
        schedule(JSON.parse(e.data).date);
      } catch (err) {
        console.error(err);
      }
    });
  }

  async function poll() {
    try {
      const r = await fetch("/v1/daily/latest", { cache: "no-cache",
                                                  headers: { Accept: "application/json" } });
      const etag = r.headers.get("ETag");
      const d = await r.json();
      if (lastEtag !== null && etag !== lastEtag)
        schedule(d.date);
      lastEtag = etag;
    } catch (err) {
      /* offline for now: the next poll tries again */
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof window.EventSource === "function") {
      follow();
    } else {
      poll();
      setInterval(poll, 60000);
    }
  });
})();
