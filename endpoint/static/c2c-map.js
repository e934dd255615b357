/* c2c maps: Natural Earth outlines (npm world-atlas, decoded with topojson-client) projected
 * with d3-geo; great-circle arcs between places (a GeoJSON LineString through d3.geoPath is
 * drawn along the great circle), labels, a legend, fitted to the region of the places.
 * Everything is served by the endpoint from var/node (make assets); without those packages
 * the figure shows a note instead. Data: a <script type="application/json"> inside the figure
 *   {places: [{label, lon, lat, href, focus}], links: [{from: [lon, lat], to: [lon, lat],
 *    color, ended, title}], legend: [{label, color}]}
 */
(function () {
  "use strict";
  const C2C = (window.C2C = window.C2C || {});
  const NS = "http://www.w3.org/2000/svg";
  const WIDTH = 960, HEIGHT = 480;
  let atlas = null;

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }
  C2C.svgElement = el;

  C2C.mapsAvailable = function () {
    return !!(window.d3 && window.d3.geoPath && window.topojson && window.topojson.feature);
  };

  function world() {
    if (!atlas) {
      atlas = fetch("/assets/vendor/countries-110m.json").then((r) => {
        if (!r.ok) throw new Error("world outlines: HTTP " + r.status);
        return r.json();
      });
    }
    return atlas;
  }

  function note(figure, text) {
    const p = document.createElement("p");
    p.className = "map-note";
    p.textContent = text;
    figure.appendChild(p);
  }

  /* Draw *data* into *figure*; resolves with the svg (or null when it cannot draw). */
  C2C.drawMap = function (figure, data) {
    const places = (data.places || []).filter((p) => isFinite(p.lon) && isFinite(p.lat));
    if (!places.length) { note(figure, "No place with coordinates to map."); return Promise.resolve(null); }
    if (!C2C.mapsAvailable()) {
      note(figure, "The map needs the front-end packages (d3-geo, topojson-client, world-atlas: " +
        "run 'make assets'). The places are listed on this page.");
      return Promise.resolve(null);
    }
    return world().then((topology) => render(figure, data, places, topology)).catch((err) => {
      note(figure, "The world outlines could not be loaded (" + err.message + ").");
      return null;
    });
  };

  function render(figure, data, places, topology) {
    const d3 = window.d3;
    const svg = el("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", class: "c2c-map",
      "aria-label": data.title || "map" });
    const radius = places.length > 1 ? 3 : 12;
    const circles = places.map((p) => d3.geoCircle().center([p.lon, p.lat]).radius(radius)());
    const projection = d3.geoNaturalEarth1()
      .fitExtent([[20, 20], [WIDTH - 20, HEIGHT - 20]], { type: "FeatureCollection",
        features: circles.map((g) => ({ type: "Feature", geometry: g })) })
      .clipExtent([[0, 0], [WIDTH, HEIGHT]]);
    const path = d3.geoPath(projection);
    el("rect", { class: "sphere", width: WIDTH, height: HEIGHT }, svg);
    el("path", { class: "graticule", d: path(d3.geoGraticule10()) || "" }, svg);
    const land = el("g", { class: "land-layer" }, svg);
    for (const feature of window.topojson.feature(topology, topology.objects.countries).features) {
      const d = path(feature);
      if (!d) continue;
      const p = el("path", { class: "land", d: d }, land);
      el("title", {}, p).textContent = (feature.properties && feature.properties.name) || "";
    }
    const arcs = el("g", { class: "arcs" }, svg);
    for (const link of data.links || []) {
      const d = path({ type: "LineString", coordinates: [link.from, link.to] });
      if (!d) continue;
      const a = el("path", { class: "arc" + (link.ended ? " ended" : ""), d: d,
        stroke: link.color || "#b03a2e" }, arcs);
      if (link.partner) a.setAttribute("data-partner", link.partner);
      el("title", {}, a).textContent = link.title || "";
    }
    const marks = el("g", { class: "places" }, svg);
    const labels = el("g", { class: "labels" }, svg);
    // labels: the focus first, then by number of links; one that would overlap a label
    // already placed is left out (the place keeps its tooltip)
    const degree = new Map();
    for (const link of data.links || []) {
      for (const end of [link.from, link.to]) degree.set(end.join(), (degree.get(end.join()) || 0) + 1);
    }
    const order = places.slice().sort((a, b) => (b.focus ? 1 : 0) - (a.focus ? 1 : 0) ||
      (degree.get([b.lon, b.lat].join()) || 0) - (degree.get([a.lon, a.lat].join()) || 0));
    const placed = [];
    for (const p of order) {
      const xy = projection([p.lon, p.lat]);
      if (!xy || xy[0] < 0 || xy[0] > WIDTH || xy[1] < 0 || xy[1] > HEIGHT) continue;
      const parent = p.href ? el("a", { href: p.href }, marks) : marks;
      const c = el("circle", { class: "place" + (p.focus ? " focus" : ""), cx: xy[0].toFixed(1),
        cy: xy[1].toFixed(1), r: p.focus ? 5.5 : 3.5, fill: p.focus ? "#b03a2e" : (p.color || "#1f4e79"),
        stroke: "#fff", "stroke-width": 1 }, parent);
      el("title", {}, c).textContent = p.label || "";
      const text = p.label || "", w = 6.6 * text.length + 4, h = 13;
      const right = xy[0] + 6 + w > WIDTH;
      const box = { x: right ? xy[0] - 6 - w : xy[0] + 6, y: xy[1] - 5 - h + 3, w: w, h: h };
      if (!text || placed.some((o) => box.x < o.x + o.w && o.x < box.x + box.w &&
        box.y < o.y + o.h && o.y < box.y + box.h)) continue;
      placed.push(box);
      el("text", { class: "place-label", x: (right ? xy[0] - 6 : xy[0] + 6).toFixed(1),
        y: (xy[1] - 5).toFixed(1), "text-anchor": right ? "end" : "start",
        "font-weight": p.focus ? 700 : 400 }, labels).textContent = text;
    }
    if ((data.legend || []).length) {
      const legend = el("g", { class: "legend", transform: "translate(12,12)" }, svg);
      const longest = Math.max(...data.legend.map((item) => item.label.length));
      el("rect", { width: 44 + 6.4 * longest, height: 8 + 16 * data.legend.length, fill: "#fff",
        "fill-opacity": 0.85, stroke: "#ccc" }, legend);
      data.legend.forEach((item, i) => {
        const y = 14 + 16 * i;
        el("line", { x1: 8, x2: 30, y1: y, y2: y, stroke: item.color, "stroke-width": 3,
          "stroke-dasharray": item.dashed ? "4 3" : "" }, legend);
        el("text", { x: 36, y: y + 4 }, legend).textContent = item.label;
      });
    }
    figure.appendChild(svg);
    const caption = document.createElement("figcaption");
    caption.textContent = "Outlines: Natural Earth 1:110m (npm world-atlas). Lines follow the great circle.";
    figure.appendChild(caption);
    return svg;
  }

  /* Every figure with class "map" and a JSON data block is drawn when the page loads. */
  function drawAll(selector, draw) {
    for (const figure of document.querySelectorAll(selector)) {
      const block = figure.querySelector("script[type='application/json']");
      if (block) draw(figure, JSON.parse(block.textContent));
    }
  }
  C2C.drawAll = drawAll;
  document.addEventListener("DOMContentLoaded", () => drawAll("figure.map[data-auto]", C2C.drawMap));
})();
