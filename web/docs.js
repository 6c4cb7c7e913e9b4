/* The API reference: /openapi.json rendered as a list of operations with their parameters
 * and responses. */
"use strict";

(function () {
  const A = window.A;
  const METHODS = ["get", "post", "put", "delete", "patch", "head", "options"];

  /* Follows a local "$ref" ("#/components/parameters/from") in doc; other objects as they are. */
  function deref(doc, o) {
    let hops = 0;
    while (o && o.$ref && o.$ref.indexOf("#/") === 0 && hops++ < 8) {
      let cur = doc;
      for (const part of o.$ref.slice(2).split("/"))
        cur = cur ? cur[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
      o = cur;
    }
    return o || {};
  }

  function schemaText(doc, s) {
    s = deref(doc, s);
    if (s.enum)
      return s.enum.join(" | ");
    let t = s.type || (s.$ref ? s.$ref.split("/").pop() : "");
    if (Array.isArray(t))
      t = t.join(" | ");
    if (t === "array" && s.items)
      t = "array of " + schemaText(doc, s.items);
    if (s.format)
      t += " (" + s.format + ")";
    if (s.minimum !== undefined || s.maximum !== undefined)
      t += " " + (s.minimum !== undefined ? s.minimum : "") + ".." + (s.maximum !== undefined ? s.maximum : "");
    if (s.default !== undefined)
      t += ", default " + JSON.stringify(s.default);
    return t;
  }

  function params(doc, list) {
    const rows = list.map(function (p) {
      p = deref(doc, p);
      return A.el("tr", null, [A.el("td", null, [A.el("code", { text: p.name })]),
        A.el("td", { text: p.in + (p.required ? ", required" : "") }),
        A.el("td", { text: schemaText(doc, p.schema) }), A.el("td", { text: p.description || "" })]);
    });
    return A.el("table", null, [A.el("thead", null, [A.el("tr", null,
      ["parameter", "in", "type", "meaning"].map(function (h) { return A.el("th", { text: h }); }))]),
      A.el("tbody", null, rows)]);
  }

  function responses(doc, resp) {
    const items = Object.keys(resp || {}).map(function (code) {
      const r = deref(doc, resp[code]);
      const types = Object.keys(r.content || {}).join(", ");
      return A.el("li", null, [A.el("strong", { text: code }), " " + (r.description || "") +
                               (types ? " (" + types + ")" : "")]);
    });
    return A.el("ul", null, items);
  }

  function operation(doc, path, method, op, shared) {
    const all = (shared || []).concat(op.parameters || []);
    const id = (method + path).replace(/[^A-Za-z0-9]+/g, "-");
    const desc = op.description && op.description !== op.summary ? op.description : "";
    const body = op.requestBody ? Object.keys(deref(doc, op.requestBody).content || {}) : [];
    return A.el("section", { class: "op", id: id }, [
      A.el("h3", null, [A.el("span", { class: "method", text: method.toUpperCase() }),
                        A.el("code", { text: path })]),
      op.summary ? A.el("p", { text: op.summary }) : null,
      desc ? A.el("p", { class: "meta", text: desc }) : null,
      all.length ? params(doc, all) : null,
      body.length ? A.el("p", { text: "request body: " + body.join(", ") }) : null,
      A.el("h4", { text: "responses" }), responses(doc, op.responses)]);
  }

  async function main() {
    const doc = await A.get("/openapi.json");
    const info = doc.info || {};
    document.getElementById("api-title").textContent = (info.title || "API") + " " + (info.version || "");
    document.getElementById("api-info").textContent = info.description || "";
    const toc = document.getElementById("api-toc"), ops = document.getElementById("api-ops");
    const list = A.el("ul");
    for (const path of Object.keys(doc.paths || {})) {
      const item = doc.paths[path];
      for (const m of METHODS) {
        if (!item[m])
          continue;
        const sec = operation(doc, path, m, item[m], item.parameters);
        ops.appendChild(sec);
        const link = A.el("a", { href: "#" + sec.id, text: m.toUpperCase() + " " + path });
        list.appendChild(A.el("li", null, [link]));
      }
    }
    toc.appendChild(list);
    document.body.setAttribute("data-ready", "1");
  }

  document.addEventListener("DOMContentLoaded", function () {
    main().catch(function (err) { console.error(err); });
  });
})();
