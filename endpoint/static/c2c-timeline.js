/* c2c timelines, plain SVG: one lane per group (policy period), one mark per event at its
 * year, events of one year stacked; ended events hollow and struck through in the title.
 * Data (a <script type="application/json"> in the figure):
 *   {groups: [{label, color}], events: [{year, label, group, ended, href}]}
 */
(function () {
  "use strict";
  const C2C = (window.C2C = window.C2C || {});
  const NS = "http://www.w3.org/2000/svg";
  const WIDTH = 960, LEFT = 190, RIGHT = 20, STEP = 9;

  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }

  C2C.drawTimeline = function (figure, data) {
    const events = (data.events || []).filter((e) => isFinite(e.year));
    if (!events.length) {
      const p = document.createElement("p");
      p.className = "map-note";
      p.textContent = "No dated event to draw.";
      figure.appendChild(p);
      return null;
    }
    const groups = (data.groups || []).slice();
    for (const e of events) {
      if (!groups.some((g) => g.label === e.group)) groups.push({ label: e.group || "", color: "#1f4e79" });
    }
    let lo = Math.min(...events.map((e) => e.year)), hi = Math.max(...events.map((e) => e.year));
    lo -= 1; hi += 1;
    const x = (year) => LEFT + (year - lo) / (hi - lo) * (WIDTH - LEFT - RIGHT);
    const lanes = groups.map((g) => {
      const mine = events.filter((e) => (e.group || "") === g.label);
      const perYear = {};
      for (const e of mine) perYear[e.year] = (perYear[e.year] || 0) + 1;
      const depth = Math.max(1, ...Object.values(perYear));
      return { group: g, events: mine, height: Math.min(depth, 12) * STEP + 18 };
    }).filter((l) => l.events.length);
    const height = lanes.reduce((s, l) => s + l.height, 0) + 30;
    const svg = el("svg", { viewBox: `0 0 ${WIDTH} ${height}`, class: "c2c-timeline", role: "img",
      "aria-label": data.title || "timeline" });
    let top = 4;
    for (const lane of lanes) {
      const g = el("g", { class: "lane" }, svg);
      el("rect", { x: 0, y: top, width: WIDTH, height: lane.height - 2, fill: lane.group.color,
        "fill-opacity": 0.07 }, g);
      el("text", { x: 6, y: top + 14, class: "lane-label", "font-size": 12, fill: lane.group.color,
        "font-weight": 600 }, g).textContent = `${lane.group.label} (${lane.events.length})`;
      const used = {};
      for (const e of lane.events) {
        const k = used[e.year] = (used[e.year] || 0) + 1;
        const cy = top + lane.height - 8 - Math.min(k - 1, 11) * STEP;
        const parent = e.href ? el("a", { href: e.href }, g) : g;
        const mark = el("circle", { class: "mark" + (e.ended ? " ended" : ""), cx: x(e.year).toFixed(1),
          cy: cy, r: 3.6, fill: e.ended ? "#fff" : lane.group.color, stroke: lane.group.color,
          "stroke-width": 1.4 }, parent);
        el("title", {}, mark).textContent = `${e.year}: ${e.label}${e.ended ? " (ended)" : ""}`;
      }
      top += lane.height;
    }
    const axis = el("g", { class: "axis" }, svg);
    el("line", { x1: LEFT, x2: WIDTH - RIGHT, y1: top + 2, y2: top + 2 }, axis);
    const span = hi - lo, every = span > 60 ? 10 : span > 20 ? 5 : span > 8 ? 2 : 1;
    for (let year = Math.ceil(lo / every) * every; year <= hi; year += every) {
      el("line", { x1: x(year), x2: x(year), y1: top + 2, y2: top + 6 }, axis);
      el("text", { x: x(year), y: top + 18, "text-anchor": "middle" }, axis).textContent = String(year);
    }
    figure.appendChild(svg);
    return svg;
  };

  document.addEventListener("DOMContentLoaded", () => {
    if (C2C.drawAll) C2C.drawAll("figure.timeline[data-auto]", C2C.drawTimeline);
  });
})();
