/* The query page: YASGUI (npm @zazuko/yasgui, served by this endpoint) with c2c's result views
 * (map, timeline, chart) as YASR plugins, the gallery of competency questions, tab names from a
 * query's leading comment, tabs kept in localStorage, and a permalink (#query=…&view=…) that
 * carries the query and the chosen view. Nothing is loaded from another origin: the prefix.cc
 * and LOV autocompleters are turned off (the endpoint predeclares c2c's prefixes, and the
 * examples declare theirs in the text).
 */
(function () {
  "use strict";
  const C2C = (window.C2C = window.C2C || {});
  const Yasgui = window.Yasgui;
  const Yasr = Yasgui.Yasr;
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const WKT = "http://www.opengis.net/ont/geosparql#wktLiteral";
  const DATES = ["date", "dateTime", "gYear", "gYearMonth"].map((t) => XSD + t);
  const NUMBERS = ["integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger",
    "positiveInteger", "short"].map((t) => XSD + t);
  const VIEWS = { table: "table", map: "c2cmap", timeline: "c2ctimeline", chart: "c2cchart" };

  // ---------------------------------------------------------------- results → figures
  function point(value) {
    const m = /POINT\s*\(\s*([-+\d.eE]+)\s+([-+\d.eE]+)\s*\)/i.exec(value || "");
    return m ? [parseFloat(m[1]), parseFloat(m[2])] : null;
  }
  const isWkt = (b) => !!b && b.type !== "uri" && (b.datatype === WKT || /^\s*(<[^>]*>\s*)?POINT\s*\(/i.test(b.value));
  const isDate = (b) => !!b && b.type !== "uri" && (DATES.includes(b.datatype) || /^-?\d{4}(-\d\d){0,2}(T|$)/.test(b.value) && !b.datatype);
  const isNumber = (b) => !!b && b.type !== "uri" && (NUMBERS.includes(b.datatype) || (!b.datatype && /^-?\d+(\.\d+)?$/.test(b.value)));
  const local = (iri) => decodeURIComponent(iri.replace(/\/$/, "").replace(/.*[\/#]/, ""));
  const shown = (b) => (!b ? "" : b.type === "uri" ? local(b.value) : b.value);
  // only http(s) IRIs become links (a javascript: or data: IRI in a result stays text)
  const href = (b) => (b && b.type === "uri" && /^https?:\/\//i.test(b.value)
    ? b.value.replace(/^https:\/\/w3id\.org\/c2c\/(id\/)/, "/$1") : null);

  function label(row, vars, skip) {
    const usable = vars.filter((v) => !skip.includes(v) && row[v] && !isWkt(row[v]) && !isNumber(row[v]));
    const literals = usable.filter((v) => row[v].type !== "uri" && !isDate(row[v]));
    return (literals.length ? literals : usable).map((v) => shown(row[v])).filter((t) => t)
      .slice(0, 3).join(" – ");
  }
  // the name columns of a row (plain literals, not dates, numbers or geometries)
  const names = (vars, rows) => vars.filter((v) => rows.some((r) => r[v] && r[v].type !== "uri" &&
    !isWkt(r[v]) && !isNumber(r[v]) && !isDate(r[v])));

  C2C.resultsToMap = function (vars, rows) {
    const geo = vars.filter((v) => rows.some((r) => isWkt(r[v])));
    const lat = vars.find((v) => /^(lat|latitude)$/i.test(v)), lon = vars.find((v) => /^(lon|long|lng|longitude)$/i.test(v));
    const places = [], links = [];
    for (const row of rows) {
      let pts = geo.map((v) => row[v] && point(row[v].value)).filter((p) => p);
      if (!geo.length && lat && lon && row[lat] && row[lon]) pts = [[parseFloat(row[lon].value), parseFloat(row[lat].value)]];
      const text = label(row, vars, geo);
      const uris = vars.filter((v) => row[v] && row[v].type === "uri");
      const named = names(vars, rows);
      // two geometries and two name columns: each point takes its own name (?a at ?wktA …)
      const own = pts.length > 1 && named.length >= pts.length;
      pts.forEach((p, i) => places.push({ lon: p[0], lat: p[1],
        label: own && row[named[i]] ? row[named[i]].value : text,
        href: uris.length === pts.length ? href(row[uris[i]]) : null }));
      for (let i = 1; i < pts.length; i++) links.push({ from: pts[0], to: pts[i], title: text, color: "#b03a2e" });
    }
    return { places: places, links: links, title: "query results" };
  };
  C2C.resultsCanMap = (vars, rows) => vars.some((v) => rows.some((r) => isWkt(r[v]))) ||
    (vars.some((v) => /^(lat|latitude)$/i.test(v)) && vars.some((v) => /^(lon|long|lng|longitude)$/i.test(v)));

  function dateVar(vars, rows) {
    return vars.find((v) => rows.some((r) => isDate(r[v]))) ||
      vars.find((v) => /year|decade/i.test(v) && rows.some((r) => r[v] && /^\d{4}$/.test(r[v].value)));
  }
  C2C.resultsToTimeline = function (vars, rows) {
    const when = dateVar(vars, rows);
    const group = vars.find((v) => /period|group|type/i.test(v) && v !== when);
    const events = [];
    for (const row of rows) {
      if (!row[when]) continue;
      const year = parseInt(row[when].value.slice(0, row[when].value.startsWith("-") ? 5 : 4), 10);
      const uri = vars.find((v) => row[v] && row[v].type === "uri");
      events.push({ year: year, group: group && row[group] ? shown(row[group]) : "?" + when,
        label: `${row[when].value}: ${label(row, vars, [when, group])}`, href: uri ? href(row[uri]) : null });
    }
    return { events: events, groups: [], title: "query results over time" };
  };
  C2C.resultsCanTimeline = (vars, rows) => !!dateVar(vars, rows);

  function chartVars(vars, rows) {
    const value = vars.find((v) => rows.length && rows.every((r) => !r[v] || isNumber(r[v])) && rows.some((r) => isNumber(r[v])));
    const cats = vars.filter((v) => v !== value && rows.some((r) => r[v] && !isNumber(r[v])));
    return { value: value, cats: cats };
  }
  C2C.resultsCanChart = (vars, rows) => { const c = chartVars(vars, rows); return !!c.value && c.cats.length > 0; };
  C2C.drawChart = function (figure, vars, rows) {
    const c = chartVars(vars, rows);
    const bars = rows.slice(0, 60).map((r) => ({ label: c.cats.map((v) => shown(r[v])).filter((t) => t).join(" · "),
      value: r[c.value] ? parseFloat(r[c.value].value) : 0 }));
    const el = C2C.svgElement, max = Math.max(1, ...bars.map((b) => b.value));
    const W = 960, LEFT = 330, ROW = 18, H = bars.length * ROW + 30;
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "c2c-chart", role: "img", "aria-label": "chart of " + c.value });
    bars.forEach((b, i) => {
      const y = 6 + i * ROW, w = (W - LEFT - 70) * b.value / max;
      el("text", { x: LEFT - 6, y: y + 12, "text-anchor": "end", "font-size": 11 }, svg).textContent =
        b.label.length > 55 ? b.label.slice(0, 54) + "…" : b.label;
      const bar = el("rect", { class: "bar", x: LEFT, y: y + 2, width: Math.max(w, 1).toFixed(1), height: ROW - 5, fill: "#1f4e79" }, svg);
      el("title", {}, bar).textContent = `${b.label}: ${b.value}`;
      el("text", { x: LEFT + w + 4, y: y + 12, "font-size": 11 }, svg).textContent = String(b.value);
    });
    el("text", { x: LEFT, y: H - 6, "font-size": 11, fill: "#555" }, svg).textContent = c.value;
    figure.appendChild(svg);
    return svg;
  };

  // ---------------------------------------------------------------- YASR plugins
  function plugin(name, labelText, icon, can, draw) {
    class View {
      constructor(yasr) { this.yasr = yasr; this.priority = 1; this.label = labelText; }
      data() {
        const r = this.yasr.results;
        if (!r || r.getType() !== "json" || !r.getBindings) return null;
        const vars = r.getVariables(), rows = r.getBindings();
        return vars && rows ? { vars: vars, rows: rows } : null;
      }
      canHandleResults() { const d = this.data(); return !!d && can(d.vars, d.rows); }
      draw() {
        const d = this.data();
        const figure = document.createElement("figure");
        figure.className = name;
        this.yasr.resultsEl.appendChild(figure);
        return Promise.resolve(draw(figure, d.vars, d.rows));
      }
      getIcon() {
        const box = document.createElement("div");
        box.className = "svgImg plugin_icon";
        const svg = C2C.svgElement("svg", { viewBox: "0 0 16 16", width: 14, height: 14, "aria-hidden": "true" }, box);
        C2C.svgElement("path", { d: icon, fill: "none", stroke: "currentColor", "stroke-width": 1.6 }, svg);
        return box;
      }
    }
    Yasr.registerPlugin(VIEWS[name], View);
  }
  plugin("map", "Map", "M2 4l4-2 4 2 4-2v10l-4 2-4-2-4 2z M6 2v10 M10 4v10", C2C.resultsCanMap, (f, v, r) => C2C.drawMap(f, C2C.resultsToMap(v, r)));
  plugin("timeline", "Timeline", "M1 12h14 M3 12V6 M7 12V3 M11 12V8", C2C.resultsCanTimeline, (f, v, r) => C2C.drawTimeline(f, C2C.resultsToTimeline(v, r)));
  plugin("chart", "Chart", "M2 14V8 M6 14V4 M10 14V9 M14 14V2", C2C.resultsCanChart, (f, v, r) => C2C.drawChart(f, v, r));

  // ---------------------------------------------------------------- the page
  Yasgui.Yasqe.defaults.autocompleters.splice(0, Infinity, "variables");
  const examples = JSON.parse(document.getElementById("examples").textContent);
  const DEFAULT = examples.length ? examples[0].text : "SELECT * WHERE { ?s ?p ?o } LIMIT 10";
  const fromUrl = new URLSearchParams(window.location.hash.slice(1));  // before YASGUI reads it
  const yasgui = (window.yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: window.location.origin + "/sparql", method: "POST" },
    copyEndpointOnNewTab: false,
    populateFromUrl: false,
    persistenceId: "c2c-query",
    persistencyExpire: 60 * 60 * 24 * 365,
    yasqe: { value: DEFAULT },
    endpointCatalogueOptions: { getData: () => [{ endpoint: window.location.origin + "/sparql" }] },
  }));

  function titleOf(text) {
    const line = (text || "").split("\n").find((l) => /^\s*#/.test(l));
    if (!line) return null;
    const t = line.replace(/^\s*#\s*/, "").trim();
    return t.length > 40 ? t.slice(0, 39) + "…" : t;
  }
  function viewName(plugin) {
    return Object.keys(VIEWS).find((k) => VIEWS[k] === plugin) || "table";
  }
  function permalink(tab) {
    const params = new URLSearchParams();
    params.set("query", tab.getQuery());
    params.set("view", viewName(tab.getYasr().getSelectedPluginName()));
    return "#" + params.toString();
  }
  function remember(tab) {
    const link = permalink(tab);
    history.replaceState(null, "", window.location.pathname + window.location.search + link);
    const a = document.getElementById("permalink");
    if (a) a.href = "/query" + link;
  }
  function openTab(text, view, run) {
    const name = titleOf(text) || "Query";
    // a tab not shown yet has no editor: compare its persisted text
    let tab = Object.values(yasgui._tabs).find((t) => t.getPersistedJson().yasqe.value === text);
    if (!tab) tab = yasgui.addTab(true, { name: name, yasqe: { value: text } });
    yasgui.selectTabId(tab.getId());
    if (view && VIEWS[view]) tab.getYasr().selectPlugin(VIEWS[view]);
    if (run) tab.query();
    return tab;
  }
  C2C.openTab = openTab;

  yasgui.on("query", (_y, tab) => {
    const title = titleOf(tab.getQuery());
    if (title && /^Query( \d+)?$/.test(tab.getName())) tab.setName(title);
  });
  yasgui.on("queryResponse", (_y, tab) => remember(tab));
  yasgui.on("tabSelect", (_y, id) => { const t = yasgui.getTab(id); if (t) setTimeout(() => remember(t), 0); });
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.open");
    if (!button) return;
    openTab(examples[+button.dataset.index].text, "table", true);
    document.getElementById("yasgui").scrollIntoView();
  });
  document.getElementById("yasgui").addEventListener("click", (event) => {
    if (event.target.closest(".yasr_btnGroup")) {
      setTimeout(() => remember(yasgui.getTab()), 0);
    }
  });
  const fromForm = new URLSearchParams(window.location.search).get("query");
  if (fromUrl.get("query")) openTab(fromUrl.get("query"), fromUrl.get("view"), true);
  else if (fromForm) openTab(fromForm, "table", true);  // a /query?query=… link (the gallery's)
  // a permalink followed from this page (only the fragment changes: no reload)
  window.addEventListener("hashchange", () => {
    const params = new URLSearchParams(window.location.hash.slice(1));
    if (params.get("query")) openTab(params.get("query"), params.get("view"), true);
  });
})();
