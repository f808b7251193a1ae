// The lead's timelines, hand-drawn SVG (no library): one row per person or box with marks
// at dated events (bars for stays), an "admission waves" strip (admissions per day),
// vertical markers (a death date), and hour-level rows of bars (cards a terminal read
// each clock hour). Every chart has a legend, zooms (buttons, Ctrl + wheel, or "zoom to
// the selection") and pans, and a date range brushed with the mouse is handed to
// onBrush (the lead page filters its graph with it).

import { t } from "./i18n.js";
import { esc } from "./graph.js";

const NS = "http://www.w3.org/2000/svg";
const HOUR = 3600000;
const DAY = 24 * HOUR;

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A date or local date-time of the data ("2025-03-02", "2025-03-02T21:05:00") as UTC ms,
 * so that days and hours fall where the data says whatever the browser's time zone. */
export const ms = (d) => {
  if (!d) return NaN;
  const s = String(d).replace(" ", "T").slice(0, 19);
  return Date.parse(s.length === 10 ? s + "T00:00:00Z" : s.length === 16 ? s + ":00Z" : s + "Z");
};
const isoDay = (v) => new Date(v).toISOString().slice(0, 10);

/** Axis ticks for [lo, hi]: months, days or hours, whichever fits about ten. */
function ticks(lo, hi) {
  const span = hi - lo;
  const out = [];
  if (span > 60 * DAY) {
    const step = span > 900 * DAY ? 6 : span > 400 * DAY ? 3 : span > 150 * DAY ? 2 : 1;
    const d0 = new Date(lo);
    let d = new Date(Date.UTC(d0.getUTCFullYear(), d0.getUTCMonth() + 1, 1));
    while (d.getTime() < hi) {
      out.push([d.getTime(), d.toISOString().slice(0, 7)]);
      d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + step, 1));
    }
  } else if (span > 3 * DAY) {
    const step = Math.max(1, Math.ceil(span / DAY / 10));
    for (let d = Math.ceil(lo / DAY) * DAY; d < hi; d += step * DAY) out.push([d, new Date(d).toISOString().slice(5, 10)]);
  } else {
    const step = [1, 2, 3, 4, 6, 12].find((h) => span / (h * HOUR) <= 12) || 12;
    for (let d = Math.ceil(lo / (step * HOUR)) * step * HOUR; d < hi; d += step * HOUR) {
      const iso = new Date(d).toISOString();
      out.push([d, iso.slice(11, 13) === "00" ? iso.slice(5, 10) : t("tl.hour_tick", { h: iso.slice(11, 13) })]);
    }
  }
  return out;
}

/** The legend's symbol for a mark's shape. */
function symbol(shape, color) {
  const svg = el("svg", { width: 16, height: 12, viewBox: "0 0 16 12", class: "legend-symbol" });
  if (shape === "bar") svg.appendChild(el("rect", { x: 1, y: 3, width: 14, height: 6, rx: 2, fill: color }));
  else if (shape === "tri") svg.appendChild(el("path", { d: "M3,11 L13,11 L8,1 Z", fill: color }));
  else if (shape === "diamond") svg.appendChild(el("path", { d: "M8,0 L14,6 L8,12 L2,6 Z", fill: color }));
  else if (shape === "line") svg.appendChild(el("line", { x1: 8, x2: 8, y1: 0, y2: 12, stroke: color, "stroke-width": 2, "stroke-dasharray": "3 2" }));
  else if (shape === "col") svg.appendChild(el("rect", { x: 5, y: 1, width: 6, height: 11, fill: color }));
  else if (shape === "life") svg.appendChild(el("line", { x1: 1, x2: 15, y1: 6, y2: 6, stroke: color, "stroke-width": 2 }));
  else svg.appendChild(el("circle", { cx: 8, cy: 6, r: 4, fill: color }));
  return svg;
}

/**
 * A zoomable, brushable timeline in container.
 * rows:    [{label, marks: [{t0, t1?, color, shape: "dot"|"bar"|"tri"|"diamond", title, id?, big?}], line?}]
 * waves:   [{day: "YYYY-MM-DD", n}] or null
 * markers: [{t, label, color}] vertical lines across the chart (a death date)
 * hourly:  [{label, hours: [{t: "YYYY-MM-DDTHH:00", n, m, title}]}] bars per clock hour
 *          (n of the hour in grey, m of them, the lead's, in red)
 * legend:  [{shape, color, label}]
 * onBrush: (from, to) => void with ISO dates, or (null, null) to clear
 */
export function renderTimeline(container, rows, waves = null, opts = {}) {
  return new Timeline(container, rows, waves, opts);
}

export class Timeline {
  constructor(container, rows, waves = null, { markers = [], hourly = [], legend = [], onBrush = null, maxRows = 24, id = "" } = {}) {
    this.container = container;
    this.rows = rows;
    this.waves = waves && waves.length ? waves : null;
    this.markers = markers;
    this.hourly = hourly;
    this.legend = legend;
    this.onBrush = onBrush;
    this.maxRows = maxRows;
    this.brushed = null;
    const all = [
      ...rows.flatMap((r) => r.marks.flatMap((m) => [ms(m.t0), ms(m.t1 || m.t0)])),
      ...markers.map((m) => ms(m.t)),
      ...hourly.flatMap((h) => h.hours.map((x) => ms(x.t))),
      ...hourly.flatMap((h) => h.hours.map((x) => ms(x.t) + HOUR)),
    ].filter((x) => !Number.isNaN(x));
    container.innerHTML = "";
    container.classList.add("tl");
    if (id) container.dataset.chart = id;
    if (!all.length) {
      container.innerHTML = `<p class="muted">${t("tl.empty")}</p>`;
      return;
    }
    let lo = Math.min(...all);
    let hi = Math.max(...all);
    const pad = Math.max((hi - lo) * 0.03, hourly.length ? HOUR : DAY);
    this.lo = lo - pad;
    this.hi = hi + pad;
    this.view = [this.lo, this.hi];
    this.build();
    this.draw();
  }

  build() {
    const c = this.container;
    c.innerHTML = `
      <div class="tl-bar">
        <span class="tl-legend"></span>
        <span class="spacer"></span>
        <span class="tl-range muted small"></span>
        <button type="button" class="small tl-zoom-sel" hidden>${t("tl.zoom_selection")}</button>
        <button type="button" class="small tl-clear" hidden>${t("tl.clear")}</button>
        <button type="button" class="small tl-left" title="${t("tl.left")}" aria-label="${t("tl.left")}">◀</button>
        <button type="button" class="small tl-in">${t("tl.zoom_in")}</button>
        <button type="button" class="small tl-out">${t("tl.zoom_out")}</button>
        <button type="button" class="small tl-all">${t("tl.zoom_all")}</button>
        <button type="button" class="small tl-right" title="${t("tl.right")}" aria-label="${t("tl.right")}">▶</button>
      </div>
      <div class="tl-plot"></div>
      <p class="muted small tl-hint">${t(this.onBrush ? "tl.hint_brush" : "tl.hint")}</p>`;
    const lg = c.querySelector(".tl-legend");
    for (const item of this.legend) {
      const span = document.createElement("span");
      span.className = "legend-item";
      span.appendChild(symbol(item.shape, item.color));
      span.appendChild(document.createTextNode(item.label));
      lg.appendChild(span);
    }
    const q = (s) => c.querySelector(s);
    q(".tl-in").addEventListener("click", () => this.zoom(0.5));
    q(".tl-out").addEventListener("click", () => this.zoom(2));
    q(".tl-all").addEventListener("click", () => this.setView(this.lo, this.hi));
    q(".tl-left").addEventListener("click", () => this.pan(-0.4));
    q(".tl-right").addEventListener("click", () => this.pan(0.4));
    q(".tl-clear").addEventListener("click", () => this.brush(null));
    q(".tl-zoom-sel").addEventListener("click", () => {
      if (this.brushed) this.setView(this.brushed[0], this.brushed[1]);
    });
    this.plot = q(".tl-plot");
    this.plot.addEventListener("wheel", (e) => {
      if (!e.ctrlKey && !e.metaKey) return; // the page scrolls; Ctrl + wheel zooms
      e.preventDefault();
      this.zoom(e.deltaY > 0 ? 1.5 : 1 / 1.5, this.inv(e.offsetX));
    }, { passive: false });
  }

  zoom(f, at = null) {
    const [a, b] = this.view;
    const mid = at ?? (a + b) / 2;
    const minSpan = 6 * HOUR;
    let na = mid - (mid - a) * f;
    let nb = mid + (b - mid) * f;
    if (nb - na < minSpan) { na = mid - minSpan / 2; nb = mid + minSpan / 2; }
    this.setView(na, nb);
  }

  pan(f) {
    const [a, b] = this.view;
    this.setView(a + (b - a) * f, b + (b - a) * f);
  }

  setView(a, b) {
    const span = Math.min(b - a, this.hi - this.lo);
    if (a < this.lo) { a = this.lo; b = a + span; }
    if (b > this.hi) { b = this.hi; a = b - span; }
    this.view = [a, b];
    this.draw();
  }

  /** Forget the brushed range without handing anything on (another chart took over). */
  clearBrush() {
    if (!this.brushed) return;
    this.brushed = null;
    const c = this.container;
    c.querySelector(".tl-clear").hidden = true;
    c.querySelector(".tl-zoom-sel").hidden = true;
    c.querySelector(".tl-range").textContent = "";
    delete c.dataset.from;
    delete c.dataset.to;
    this.draw();
  }

  /** A brushed range [a, b] in ms (null clears): shown, and handed on as whole days. */
  brush(range) {
    this.brushed = range;
    const c = this.container;
    c.querySelector(".tl-clear").hidden = !range;
    c.querySelector(".tl-zoom-sel").hidden = !range;
    c.querySelector(".tl-range").textContent = range ? t("tl.selected", { from: isoDay(range[0]), to: isoDay(range[1]) }) : "";
    if (range) { c.dataset.from = isoDay(range[0]); c.dataset.to = isoDay(range[1]); }
    else { delete c.dataset.from; delete c.dataset.to; }
    this.draw();
    if (this.onBrush) this.onBrush(range ? isoDay(range[0]) : null, range ? isoDay(range[1]) : null);
  }

  draw() {
    const plot = this.plot;
    const [lo, hi] = this.view;
    const shown = this.rows.slice(0, this.maxRows);
    const labelW = 160;
    const width = Math.max(plot.clientWidth || this.container.clientWidth || 800, 500);
    this.labelW = labelW;
    this.plotW = width - labelW - 12;
    const rowH = 18;
    const hourH = 56;
    const waveH = this.waves ? 40 : 0;
    const axisH = 20;
    const markH = this.markers.length ? 16 : 0;
    const top = markH + waveH + axisH;
    const height = top + this.hourly.length * hourH + shown.length * rowH + 8;
    const x = (v) => labelW + ((v - lo) / (hi - lo)) * this.plotW;
    const inView = (a, b = a) => b >= lo && a <= hi;
    const svg = el("svg", { width, height, class: "timeline", viewBox: `0 0 ${width} ${height}` });
    const clip = el("clipPath", { id: "tlclip" + (this.container.dataset.chart || "") });
    clip.appendChild(el("rect", { x: labelW, y: 0, width: this.plotW, height }));
    svg.appendChild(clip);
    const body = el("g", { "clip-path": `url(#${clip.id})` });

    for (const [v, lab] of ticks(lo, hi)) {
      svg.appendChild(el("line", { x1: x(v), x2: x(v), y1: markH + waveH + 14, y2: height, class: "tick" }));
      if (x(v) + 7 * lab.length + 4 < width) svg.appendChild(el("text", { x: x(v) + 2, y: markH + waveH + 12, class: "tick-label" }, lab));
    }

    if (this.waves) {
      const maxN = Math.max(...this.waves.map((w) => w.n));
      svg.appendChild(el("text", { x: 4, y: markH + 14, class: "row-label" }, t("tl.waves")));
      for (const w of this.waves) {
        const a = ms(w.day);
        if (!inView(a, a + DAY)) continue;
        const h = Math.max(2, (w.n / maxN) * (waveH - 8));
        const bar = el("rect", { x: x(a), y: markH + waveH - h - 2, width: Math.max(3, x(a + DAY) - x(a) - 1), height: h, class: w.n >= 3 ? "wave big" : "wave" });
        bar.appendChild(el("title", {}, `${w.day}: ${w.n}`));
        body.appendChild(bar);
      }
    }

    // hour-level rows: one bar per clock hour, its height the cards read that hour
    const maxN = Math.max(1, ...this.hourly.flatMap((h) => h.hours.map((x0) => x0.n)));
    this.hourly.forEach((row, i) => {
      const y0 = top + i * hourH;
      const base = y0 + hourH - 6;
      svg.appendChild(el("rect", { x: 0, y: y0, width, height: hourH, class: i % 2 ? "stripe2" : "stripe" }));
      const lab = el("text", { x: 4, y: y0 + 16, class: "row-label" }, row.label.length > 22 ? row.label.slice(0, 21) + "…" : row.label);
      lab.appendChild(el("title", {}, row.label));
      svg.appendChild(lab);
      svg.appendChild(el("text", { x: 4, y: y0 + 32, class: "tick-label" }, t("tl.max_cards", { n: Math.max(0, ...row.hours.map((h) => h.n)) })));
      svg.appendChild(el("line", { x1: labelW, x2: width, y1: base, y2: base, class: "baseline" }));
      for (const h of row.hours) {
        const a = ms(h.t);
        if (!inView(a, a + HOUR)) continue;
        const w = Math.max(1.5, x(a + HOUR) - x(a) - 0.5);
        const hh = (h.n / maxN) * (hourH - 14);
        const g = el("g", { class: "hour", "data-hour": h.t, "data-n": h.n, "data-m": h.m });
        g.appendChild(el("rect", { x: x(a), y: base - hh, width: w, height: hh, class: "cards" }));
        if (h.m) {
          const mh = (h.m / maxN) * (hourH - 14);
          g.appendChild(el("rect", { x: x(a), y: base - mh, width: w, height: mh, class: "lead-cards" }));
        }
        g.appendChild(el("title", {}, h.title || `${h.t}: ${h.n}`));
        body.appendChild(g);
        if (w >= 14 && h.m) body.appendChild(el("text", { x: x(a) + w / 2, y: base - hh - 2, class: "hour-n" }, String(h.m)));
      }
    });

    const rowsTop = top + this.hourly.length * hourH;
    shown.forEach((r, i) => {
      const y = rowsTop + i * rowH + rowH / 2;
      if (i % 2 === 0) svg.appendChild(el("rect", { x: 0, y: y - rowH / 2, width, height: rowH, class: "stripe" }));
      const lab = el("text", { x: 4, y: y + 4, class: "row-label" }, r.label.length > 22 ? r.label.slice(0, 21) + "…" : r.label);
      lab.appendChild(el("title", {}, r.label));
      svg.appendChild(lab);
      const xs = r.marks.map((m) => ms(m.t0)).filter((v) => !Number.isNaN(v));
      if (r.line && xs.length > 1) {
        body.appendChild(el("line", { x1: x(Math.min(...xs)), x2: x(Math.max(...xs)), y1: y, y2: y, class: "life" }));
      }
      for (const m of r.marks) {
        const a = ms(m.t0);
        if (Number.isNaN(a)) continue;
        const b = Math.max(ms(m.t1 || m.t0) || a, a + DAY / 2);
        if (!inView(a, b)) continue;
        let shape;
        const cx = x(a);
        if (m.shape === "bar") {
          shape = el("rect", { x: cx, y: y - 5, width: Math.max(3, x(b) - cx), height: 10, rx: 2, fill: m.color });
        } else if (m.shape === "tri") {
          shape = el("path", { d: `M${cx - 5},${y + 5} L${cx + 5},${y + 5} L${cx},${y - 6} Z`, fill: m.color });
        } else if (m.shape === "diamond") {
          shape = el("path", { d: `M${cx},${y - 6} L${cx + 6},${y} L${cx},${y + 6} L${cx - 6},${y} Z`, fill: m.color });
        } else {
          shape = el("circle", { cx, cy: y, r: m.big ? 6 : 4, fill: m.color });
        }
        shape.setAttribute("class", "mark");
        if (m.id) shape.setAttribute("data-id", m.id);
        shape.appendChild(el("title", {}, m.title || ""));
        body.appendChild(shape);
      }
    });

    for (const mk of this.markers) {
      const a = ms(mk.t);
      if (!inView(a)) continue;
      const g = el("g", { class: "marker", "data-t": String(mk.t).slice(0, 10) });
      g.appendChild(el("line", { x1: x(a), x2: x(a), y1: markH - 2, y2: height, stroke: mk.color, "stroke-width": 2, "stroke-dasharray": "5 3" }));
      const anchor = x(a) > labelW + this.plotW - 140 ? "end" : "start";
      g.appendChild(el("text", { x: x(a) + (anchor === "end" ? -4 : 4), y: markH - 4, class: "marker-label", fill: mk.color, "text-anchor": anchor }, mk.label));
      g.appendChild(el("title", {}, mk.label));
      body.appendChild(g);
    }

    if (this.brushed) {
      const [ba, bb] = this.brushed;
      if (inView(ba, bb)) {
        body.appendChild(el("rect", { x: x(Math.max(ba, lo)), y: 0, width: Math.max(2, x(Math.min(bb, hi)) - x(Math.max(ba, lo))), height, class: "brush" }));
      }
    }
    svg.appendChild(body);
    this.svg = svg;
    this.x = x;
    this.inv = (px) => lo + ((px - labelW) / this.plotW) * (hi - lo);
    this.plot.innerHTML = "";
    this.plot.appendChild(svg);
    this.container.dataset.view = `${isoDay(lo)}|${isoDay(hi)}`;
    this.enableBrush(svg);
    if (this.rows.length > this.maxRows) {
      const more = document.createElement("button");
      more.type = "button";
      more.className = "link";
      more.textContent = `${t("common.more")} (${this.rows.length - this.maxRows})`;
      more.addEventListener("click", () => { this.maxRows += 24; this.draw(); });
      this.plot.appendChild(more);
    }
  }

  /** Drag across the plot to select a range of days (a click without a drag clears). */
  enableBrush(svg) {
    if (!this.onBrush) return;
    let start = null;
    let live = null;
    const px = (e) => e.clientX - svg.getBoundingClientRect().left;
    svg.addEventListener("mousedown", (e) => {
      if (e.button !== 0 || px(e) < this.labelW) return;
      e.preventDefault();
      start = px(e);
      live = el("rect", { x: start, y: 0, width: 1, height: svg.getAttribute("height"), class: "brush live" });
      svg.appendChild(live);
    });
    svg.addEventListener("mousemove", (e) => {
      if (start === null) return;
      const p = Math.max(this.labelW, Math.min(px(e), this.labelW + this.plotW));
      live.setAttribute("x", Math.min(start, p));
      live.setAttribute("width", Math.max(1, Math.abs(p - start)));
    });
    const end = (e) => {
      if (start === null) return;
      const p = Math.max(this.labelW, Math.min(px(e), this.labelW + this.plotW));
      const a = Math.min(start, p);
      const b = Math.max(start, p);
      start = null;
      if (b - a < 4) { live.remove(); if (this.brushed) this.brush(null); return; }
      // whole days: the graph filters by date
      const da = Math.floor(this.inv(a) / DAY) * DAY;
      const db = Math.floor(this.inv(b) / DAY) * DAY + DAY - 1;
      this.brush([da, db]);
    };
    svg.addEventListener("mouseup", end);
    svg.addEventListener("mouseleave", (e) => { if (start !== null) end(e); });
  }
}

export { esc };
