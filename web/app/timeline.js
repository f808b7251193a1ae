// A small SVG timeline: one row per person or box, marks at dated events (bars for
// stays), and an "admission waves" strip on top (admissions per day; a wave stands out
// as a tall bar). Hand-drawn SVG, no library.

import { t } from "./i18n.js";
import { esc } from "./graph.js";

const NS = "http://www.w3.org/2000/svg";
const DAY = 86400000;

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const ms = (d) => (d ? Date.parse(String(d).slice(0, 19)) : NaN);

/**
 * rows: [{label, sub, marks: [{t0, t1?, color, shape: "dot"|"bar"|"tri"|"diamond", title}], line?: true}]
 * waves: [{day: "YYYY-MM-DD", n}] or null
 */
export function renderTimeline(container, rows, waves = null, { maxRows = 24 } = {}) {
  container.innerHTML = "";
  const all = rows.flatMap((r) => r.marks.flatMap((m) => [ms(m.t0), ms(m.t1 || m.t0)])).filter((x) => !Number.isNaN(x));
  if (!all.length) {
    container.innerHTML = `<p class="muted">${t("tl.empty")}</p>`;
    return;
  }
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  const pad = Math.max((hi - lo) * 0.03, DAY);
  lo -= pad;
  hi += pad;
  const shown = rows.slice(0, maxRows);
  const labelW = 150;
  const width = Math.max(container.clientWidth || 800, 500);
  const plotW = width - labelW - 12;
  const rowH = 18;
  const waveH = waves && waves.length ? 40 : 0;
  const axisH = 20;
  const height = waveH + axisH + shown.length * rowH + 8;
  const x = (v) => labelW + ((v - lo) / (hi - lo)) * plotW;
  const svg = el("svg", { width, height, class: "timeline", viewBox: `0 0 ${width} ${height}` });

  // axis: month ticks (or day ticks for short spans)
  const spanDays = (hi - lo) / DAY;
  const ticks = [];
  const d0 = new Date(lo);
  if (spanDays > 60) {
    let d = new Date(Date.UTC(d0.getUTCFullYear(), d0.getUTCMonth() + 1, 1));
    const step = spanDays > 900 ? 6 : spanDays > 400 ? 3 : 1;
    while (d.getTime() < hi) {
      ticks.push([d.getTime(), d.toISOString().slice(0, 7)]);
      d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + step, 1));
    }
  } else {
    const step = Math.max(1, Math.ceil(spanDays / 10));
    let d = Math.ceil(lo / DAY) * DAY;
    while (d < hi) { ticks.push([d, new Date(d).toISOString().slice(5, 10)]); d += step * DAY; }
  }
  const top = waveH + axisH;
  for (const [v, lab] of ticks) {
    svg.appendChild(el("line", { x1: x(v), x2: x(v), y1: waveH + 14, y2: height, class: "tick" }));
    svg.appendChild(el("text", { x: x(v) + 2, y: waveH + 12, class: "tick-label" }, lab));
  }

  if (waveH) {
    const maxN = Math.max(...waves.map((w) => w.n));
    svg.appendChild(el("text", { x: 4, y: 14, class: "row-label" }, t("tl.waves")));
    for (const w of waves) {
      const h = Math.max(2, (w.n / maxN) * (waveH - 8));
      const bar = el("rect", {
        x: x(ms(w.day)) - 2, y: waveH - h - 2, width: 4, height: h,
        class: w.n >= 3 ? "wave big" : "wave",
      });
      bar.appendChild(el("title", {}, `${w.day}: ${w.n}`));
      svg.appendChild(bar);
    }
  }

  shown.forEach((r, i) => {
    const y = top + i * rowH + rowH / 2;
    if (i % 2 === 0) svg.appendChild(el("rect", { x: 0, y: y - rowH / 2, width, height: rowH, class: "stripe" }));
    const lab = el("text", { x: 4, y: y + 4, class: "row-label" }, r.label.length > 20 ? r.label.slice(0, 19) + "…" : r.label);
    lab.appendChild(el("title", {}, r.label));
    svg.appendChild(lab);
    const xs = r.marks.map((m) => ms(m.t0)).filter((v) => !Number.isNaN(v));
    if (r.line && xs.length > 1) {
      svg.appendChild(el("line", { x1: x(Math.min(...xs)), x2: x(Math.max(...xs)), y1: y, y2: y, class: "life" }));
    }
    for (const m of r.marks) {
      const a = ms(m.t0);
      if (Number.isNaN(a)) continue;
      let shape;
      if (m.shape === "bar") {
        const b = Math.max(ms(m.t1 || m.t0), a + DAY / 2);
        shape = el("rect", { x: x(a), y: y - 5, width: Math.max(3, x(b) - x(a)), height: 10, rx: 2, fill: m.color });
      } else if (m.shape === "tri") {
        const cx = x(a);
        shape = el("path", { d: `M${cx - 5},${y + 5} L${cx + 5},${y + 5} L${cx},${y - 6} Z`, fill: m.color });
      } else if (m.shape === "diamond") {
        const cx = x(a);
        shape = el("path", { d: `M${cx},${y - 6} L${cx + 6},${y} L${cx},${y + 6} L${cx - 6},${y} Z`, fill: m.color });
      } else {
        shape = el("circle", { cx: x(a), cy: y, r: m.big ? 6 : 4, fill: m.color });
      }
      shape.appendChild(el("title", {}, m.title || ""));
      svg.appendChild(shape);
    }
  });
  container.appendChild(svg);
  if (rows.length > maxRows) {
    const more = document.createElement("button");
    more.type = "button";
    more.className = "link";
    more.textContent = `${t("common.more")} (${rows.length - maxRows})`;
    more.addEventListener("click", () => renderTimeline(container, rows, waves, { maxRows: maxRows + 24 }));
    container.appendChild(more);
  }
}

export { esc };
