// The ring graph: Cytoscape.js with fcose, one shape and colour per kind of node, edges
// labelled with dates, amounts and quantities, event nodes merged into edges, a node cap
// with "show more", expand-on-demand through the neighbourhood endpoint, kind and date
// filters, the evidence path highlighted, PNG/SVG export.

import * as api from "./api.js";
import { t, tv, has, getLang, fmtMoney, fmtDate } from "./i18n.js";
import { region, flagText } from "./names.js";

const REGION_PROPS = new Set(["admdvs", "insu_admdvs", "mdtrtarea_admvs", "region"]);

/* global cytoscape, cytoscapeFcose, cytoscapeDagre, cytoscapeSvg */
let registered = false;
export function registerExtensions() {
  if (registered) return;
  cytoscape.use(cytoscapeFcose);
  cytoscape.use(cytoscapeDagre);
  cytoscape.use(cytoscapeSvg);
  registered = true;
}

export const KINDS = {
  person: { color: "#2f6fd6", shape: "ellipse", size: 30 },
  hospital: { color: "#d23f3f", shape: "round-rectangle", size: 42 },
  pharmacy: { color: "#17936a", shape: "hexagon", size: 40 },
  platform: { color: "#0e9aa7", shape: "round-octagon", size: 38 },
  institution: { color: "#6b7785", shape: "round-rectangle", size: 38 },
  doctor: { color: "#e08600", shape: "triangle", size: 34 },
  supplier: { color: "#7b4fc9", shape: "diamond", size: 42 },
  box: { color: "#8c5a2b", shape: "rectangle", size: 24 },
  settlement: { color: "#98a2b3", shape: "round-tag", size: 16 },
  event: { color: "#c49a6c", shape: "vee", size: 18 },
  feeline: { color: "#b8bec8", shape: "ellipse", size: 12 },
  phone: { color: "#c2185b", shape: "tag", size: 18 },
  address: { color: "#795548", shape: "star", size: 20 },
  drug: { color: "#5b8c2a", shape: "pentagon", size: 24 },
  terminal: { color: "#546e7a", shape: "cut-rectangle", size: 18 },
  lead: { color: "#000000", shape: "star", size: 30 },
  other: { color: "#9e9e9e", shape: "ellipse", size: 16 },
};
export const EVENT_KINDS = new Set(["settlement", "event", "feeline"]);
const STRUCTURAL = new Set(["VISITED", "MOVED"]);
export const ENTITY_KINDS = new Set(["person", "institution", "practitioner", "supplier", "trace_code"]);

export function kindOf(n) {
  const labels = n.labels || [];
  switch (n.type) {
    case "Person": return "person";
    case "Institution":
      if (labels.includes("Hospital")) return "hospital";
      if (labels.includes("Pharmacy")) return "pharmacy";
      if (labels.includes("OnlinePlatform")) return "platform";
      return "institution";
    case "Practitioner": return "doctor";
    case "Supplier": return "supplier";
    case "Box": return "box";
    case "Settlement": return "settlement";
    case "BoxEvent": return "event";
    case "FeeLine": return "feeline";
    case "Phone": return "phone";
    case "Address": return "address";
    case "Drug": return "drug";
    case "Terminal": return "terminal";
    case "Lead": return "lead";
    default: return "other";
  }
}

/** "person:P001" -> ["person", "P001"] */
export function splitId(id) {
  const i = id.indexOf(":");
  return [id.slice(0, i), id.slice(i + 1)];
}

export function nodeDate(n) {
  const p = n.properties || {};
  return p.event_time || p.begntime || p.setl_time || p.fee_ocur_time || null;
}

const short = (s, n) => (s && s.length > n ? s.slice(0, n - 1) + "…" : s || "");
const md = (d) => (d ? String(d).slice(0, 10) : "");

function settlementText(p) {
  const inpatient = String(p.med_type) === "21";
  const what = inpatient ? t("tl.admissions") : t("kind.settlement");
  const span = inpatient && p.endtime ? `${md(p.begntime)}→${String(p.endtime).slice(5, 10)}` : md(p.begntime || p.setl_time);
  const amt = p.hifp_pay ?? p.fund_pay_sumamt ?? p.medfee_sumamt;
  return `${what} ${span}${amt !== undefined && amt !== null ? " " + fmtMoney(amt, 0) : ""}`;
}

function eventText(p) {
  return `${tv("evt", p.event_type)} ${md(p.event_time)}`;
}

function feelineText(p) {
  const q = p.cnt !== undefined && p.cnt !== null ? ` ×${p.cnt}` : "";
  const amt = p.det_item_fee_sumamt;
  return `${md(p.fee_ocur_time)}${q}${amt !== undefined && amt !== null ? " " + fmtMoney(amt, 0) : ""}`;
}

/** Text drawn on a node. */
export function nodeText(n, role) {
  const k = n.kind;
  const p = n.properties || {};
  let main;
  if (k === "settlement") main = settlementText(p);
  else if (k === "event") main = eventText(p);
  else if (k === "feeline") main = feelineText(p);
  else if (k === "box") main = `${t("kind.box")} …${splitId(n.id)[1].slice(-6)}`;
  else if (k === "address") main = short(n.label, 10);
  else {
    const m = /^(.*) \((.*)\)$/.exec(n.label || "");
    main = m ? `${short(m[1], 12)}\n${m[2]}` : short(n.label || n.id, 18);
  }
  return role ? `${main}\n[${tv("role_m", role)}]` : main;
}

/** "+37 结算 · +5 流转事件" for the dangling events folded into a node. */
function foldText(m) {
  if (!m || !m.size) return "";
  return "\n(" + [...m].map(([k, n]) => `+${n} ${t("kind." + k)}`).join(" · ") + ")";
}

/** Text on an edge between a and b of the given relationship type. */
function edgeText(type, a, b) {
  const ev = EVENT_KINDS.has(a.kind) ? a : EVENT_KINDS.has(b.kind) ? b : null;
  const rel = tv("rel", type);
  if (!ev) return type === "INVOLVES" ? "" : rel;
  const p = ev.properties || {};
  if (ev.kind === "settlement") {
    if (type === "SETTLED") return settlementText(p);
    return type === "AT" ? rel : "";
  }
  if (ev.kind === "event") {
    if (type === "FROM") return `${rel} ${md(p.event_time)}`;
    if (type === "TO") return rel;
    return "";
  }
  if (ev.kind === "feeline") return type === "DISPENSED" || type === "HAS_LINE" ? feelineText(p) : "";
  return rel;
}

/** Label of an edge that stands for an event node between two parties. */
function mergedText(ev) {
  const p = ev.properties || {};
  if (ev.kind === "settlement") return settlementText(p);
  if (ev.kind === "event") return eventText(p);
  return feelineText(p);
}

function download(name, blob) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

const STYLE = [
  {
    selector: "node",
    style: {
      "background-color": "data(color)",
      shape: "data(shape)",
      width: "data(size)",
      height: "data(size)",
      label: "data(text)",
      "font-size": 11,
      "font-family": "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif",
      color: "#1d2733",
      "text-valign": "bottom",
      "text-halign": "center",
      "text-margin-y": 4,
      "text-wrap": "wrap",
      "text-max-width": 140,
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.85,
      "text-background-padding": 1,
      "border-width": 1,
      "border-color": "#ffffff",
      "min-zoomed-font-size": 6,
    },
  },
  { selector: "node[?member]", style: { "border-width": 3, "border-color": "#1d2733", "font-weight": "bold" } },
  { selector: "node[?small]", style: { "font-size": 9, color: "#5b6573" } },
  {
    selector: "edge",
    style: {
      width: "data(width)",
      "line-color": "#b5bfcc",
      "target-arrow-color": "#b5bfcc",
      "target-arrow-shape": "triangle",
      "arrow-scale": 0.8,
      "curve-style": "bezier",
      label: "data(text)",
      "font-size": 9,
      color: "#3d4a5c",
      "text-rotation": "autorotate",
      "text-background-color": "#f7f9fc",
      "text-background-opacity": 0.9,
      "text-background-padding": 1,
      "min-zoomed-font-size": 7,
    },
  },
  { selector: "edge[?merged]", style: { "line-color": "#7d8ca3", "target-arrow-color": "#7d8ca3", "text-wrap": "wrap" } },
  { selector: "edge[?both]", style: { "source-arrow-shape": "triangle", "source-arrow-color": "#7d8ca3" } },
  {
    selector: ".ev",
    style: { "border-color": "#e53935", "border-width": 4 },
  },
  {
    selector: "edge.ev",
    style: { "line-color": "#e53935", "target-arrow-color": "#e53935", "source-arrow-color": "#e53935", "z-index": 9 },
  },
  { selector: ".faded", style: { opacity: 0.15 } },
  { selector: "node.focus", style: { "border-color": "#ff9800", "border-width": 5 } },
  { selector: "edge.focus", style: { "line-color": "#ff9800", "target-arrow-color": "#ff9800", width: 4 } },
  { selector: "node:selected", style: { "overlay-color": "#2f6fd6", "overlay-opacity": 0.25, "overlay-padding": 6 } },
  { selector: "node.expanded", style: { "border-style": "double", "border-width": 6 } },
];

export class GraphPanel {
  /**
   * @param {HTMLElement} root  where the toolbar, canvas and profile card go
   * @param {object} opts { members: Map(id->role), evidence: string[], cap, onNavigate }
   */
  constructor(root, opts = {}) {
    registerExtensions();
    this.root = root;
    this.members = opts.members || new Map();
    this.evidenceLines = opts.evidence || [];
    this.cap = opts.cap || 120;
    // a lead's ring: parties and linking nodes are always drawn, the cap counts events
    this.capEvents = !!opts.capEvents;
    this.step = opts.step || 100;
    this.expandHops = 2;
    this.expandMax = opts.expandMax || 300;
    this.nodes = new Map();
    this.edges = new Map();
    this.rank = 0;
    this.hidden = new Set();
    this.dateFrom = "";
    this.dateTo = "";
    this.merge = true;
    this.showEvidence = true;
    this.truncated = false;
    this.focusNodes = null;
    this.firstLayout = true;
    this.build();
  }

  build() {
    this.root.classList.add("graph-panel");
    this.root.innerHTML = `
      <div class="graph-toolbar">
        <span class="kinds"></span>
        <label class="dates">${t("graph.from")} <input class="date-from" inputmode="numeric" pattern="\\d{4}-\\d{2}-\\d{2}" size="10" maxlength="10" placeholder="${t("graph.date_placeholder")}"></label>
        <label class="dates">${t("graph.to")} <input class="date-to" inputmode="numeric" pattern="\\d{4}-\\d{2}-\\d{2}" size="10" maxlength="10" placeholder="${t("graph.date_placeholder")}"></label>
        <label><input type="checkbox" class="merge" checked> ${t("graph.merge")}</label>
        <label><input type="checkbox" class="evid" checked> ${t("graph.evidence_on")}</label>
        <span class="spacer"></span>
        <button type="button" class="fit">${t("graph.fit")}</button>
        <button type="button" class="relayout">${t("graph.relayout")}</button>
        <button type="button" class="png">${t("graph.png")}</button>
        <button type="button" class="svg">${t("graph.svg")}</button>
      </div>
      <div class="graph-wrap">
        <div class="cy"></div>
        <div class="graph-status"><span class="shown"></span>
          <button type="button" class="more" hidden>${t("common.more")}</button>
          <span class="hint">${t("graph.hint")}</span></div>
        <aside class="profile card" hidden></aside>
      </div>`;
    const q = (s) => this.root.querySelector(s);
    this.cyEl = q(".cy");
    this.profileEl = q(".profile");
    const day = (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v.trim()) ? v.trim() : "");
    q(".date-from").addEventListener("change", (e) => { this.dateFrom = day(e.target.value); this.render(); });
    q(".date-to").addEventListener("change", (e) => { this.dateTo = day(e.target.value); this.render(); });
    q(".merge").addEventListener("change", (e) => { this.merge = e.target.checked; this.render(true); });
    q(".evid").addEventListener("change", (e) => { this.showEvidence = e.target.checked; this.paintEvidence(); });
    q(".fit").addEventListener("click", () => this.cy.fit(undefined, 30));
    q(".relayout").addEventListener("click", () => this.layout(true));
    q(".png").addEventListener("click", () => this.exportPng());
    q(".svg").addEventListener("click", () => this.exportSvg());
    q(".more").addEventListener("click", () => { this.cap += this.step; this.render(); });
    this.cy = cytoscape({
      container: this.cyEl,
      style: STYLE,
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
    });
    this.cy.on("tap", "node", (e) => this.select(e.target.id()));
    this.cy.on("tap", (e) => { if (e.target === this.cy) this.closeProfile(); });
  }

  /** Add a subgraph from the API ({nodes, edges, truncated}). Returns the ids added. */
  add(sub, near = null) {
    const added = [];
    for (const n of sub.nodes || []) {
      if (n.type === "Lead" || n.type === "LeadChange") continue;
      if (this.nodes.has(n.id)) continue;
      const node = { ...n, kind: kindOf(n), rank: this.members.has(n.id) ? -1 : this.rank++, near };
      this.nodes.set(n.id, node);
      added.push(n.id);
    }
    for (const e of sub.edges || []) {
      if (e.type === "INVOLVES") continue;
      if (!this.nodes.has(e.source) || !this.nodes.has(e.target)) continue;
      if (!this.edges.has(e.id)) this.edges.set(e.id, e);
    }
    if (sub.truncated) this.truncated = true;
    this.indexEvidence();
    return added;
  }

  /** Evidence lines -> node ids they name (by any token equal to a node's key). */
  indexEvidence() {
    const byKey = new Map();
    for (const id of this.nodes.keys()) {
      const key = splitId(id)[1];
      if (!byKey.has(key)) byKey.set(key, []);
      byKey.get(key).push(id);
    }
    this.evidenceByLine = this.evidenceLines.map((line) => {
      const ids = new Set();
      for (const raw of line.split(/[\s,()]+|<->|->/)) {
        for (const tok of [raw, raw.slice(raw.indexOf(":") + 1)]) {
          for (const id of byKey.get(tok) || []) ids.add(id);
        }
      }
      return ids;
    });
    this.evidenceIds = new Set(this.evidenceByLine.flatMap((s) => [...s]));
  }

  /** Draw order: the ring's core (members other than boxes) first, then outwards in
   * breadth-first order over what is loaded, so a capped graph stays connected. */
  drawOrder() {
    const adj = new Map();
    for (const e of this.edges.values()) {
      for (const [x, y] of [[e.source, e.target], [e.target, e.source]]) {
        if (!adj.has(x)) adj.set(x, []);
        adj.get(x).push(y);
      }
    }
    const byRank = [...this.nodes.values()].sort((a, b) => a.rank - b.rank);
    let core = byRank.filter((n) => this.members.has(n.id) && n.kind !== "box");
    if (!core.length) core = byRank.filter((n) => this.members.has(n.id));
    if (!core.length) core = byRank.slice(0, 1);
    const order = new Map();
    const queue = core.map((n) => n.id);
    for (const id of queue) order.set(id, order.size);
    for (let i = 0; i < queue.length; i++) {
      for (const y of adj.get(queue[i]) || []) {
        if (!order.has(y)) { order.set(y, order.size); queue.push(y); }
      }
    }
    for (const n of byRank) if (!order.has(n.id)) order.set(n.id, order.size);
    return order;
  }

  visibleDate(n) {
    if (!EVENT_KINDS.has(n.kind)) return true;
    const d = fmtDate(nodeDate(n));
    if (!d) return true;
    if (this.dateFrom && d < this.dateFrom) return false;
    if (this.dateTo && d > this.dateTo) return false;
    return true;
  }

  /** What to draw: filters, cap, then event nodes merged into edges. */
  view() {
    const order = this.drawOrder();
    const cand = [...this.nodes.values()]
      .filter((n) => !this.hidden.has(n.kind) && this.visibleDate(n))
      .sort((a, b) => order.get(a.id) - order.get(b.id));
    let kept;
    let totalEvents = 0;
    if (this.capEvents) {
      // every party keeps its first event before any party gets a second
      const adj = new Map();
      for (const e of this.edges.values()) {
        for (const [x, y] of [[e.source, e.target], [e.target, e.source]]) {
          if (!adj.has(x)) adj.set(x, []);
          adj.get(x).push(y);
        }
      }
      const perParty = new Map();
      const slot = new Map();
      kept = new Map();
      const events = [];
      for (const n of cand) {
        if (!EVENT_KINDS.has(n.kind)) { kept.set(n.id, n); continue; }
        const party = (adj.get(n.id) || []).filter((y) => this.members.has(y))
          .sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))[0] || n.id;
        const k = perParty.get(party) || 0;
        perParty.set(party, k + 1);
        slot.set(n.id, k);
        events.push(n);
      }
      totalEvents = events.length;
      events.sort((a, b) => slot.get(a.id) - slot.get(b.id) || order.get(a.id) - order.get(b.id));
      for (const n of events.slice(0, this.cap)) kept.set(n.id, n);
    } else {
      kept = new Map(cand.slice(0, this.cap).map((n) => [n.id, n]));
    }
    let edges = [...this.edges.values()].filter((e) => kept.has(e.source) && kept.has(e.target));
    const merged = new Map(); // "a|b" -> {source, target, events: [], dirs}
    const summary = new Map(); // node id -> Map(kind -> dangling events folded into it)
    let foldedBoxes = 0;
    if (this.merge) {
      const adj = new Map();
      for (const e of edges) {
        for (const [x, y] of [[e.source, e.target], [e.target, e.source]]) {
          if (!adj.has(x)) adj.set(x, new Map());
          adj.get(x).set(y, e);
        }
      }
      const drop = new Set();
      // many boxes (a large recycling ring): a box movement becomes an edge between its
      // two parties, and boxes left without an edge are counted instead of drawn
      const foldBoxes = [...kept.values()].filter((n) => n.kind === "box").length > 12;
      const partyOf = (id) => !EVENT_KINDS.has(kept.get(id).kind);
      for (const n of kept.values()) {
        if (!EVENT_KINDS.has(n.kind)) continue;
        const nb = adj.get(n.id);
        if (!nb) continue;
        let ends = [...nb.keys()];
        if (foldBoxes) ends = ends.filter((x) => kept.get(x).kind !== "box");
        if (ends.length === 1 && (nb.size === 1 || foldBoxes)) {
          // a dangling event (its other parties are not drawn): counted on its one party
          const [a] = ends;
          if (!partyOf(a)) continue;
          if (!summary.has(a)) summary.set(a, new Map());
          summary.get(a).set(n.kind, (summary.get(a).get(n.kind) || 0) + 1);
          drop.add(n.id);
          continue;
        }
        if (ends.length !== 2 || nb.size - ends.length > 1) continue;
        const [a, b] = ends;
        if (!partyOf(a) || !partyOf(b)) continue;
        // direction: a box moves FROM -> TO; a person SETTLED -> settlement AT -> institution
        const ea = nb.get(a);
        const src = ea.type === "FROM" ? a : ea.type === "TO" ? b : ea.target === n.id ? a : b;
        const dst = src === a ? b : a;
        const key = src < dst ? `${src}|${dst}` : `${dst}|${src}`;
        if (!merged.has(key)) merged.set(key, { source: src, target: dst, events: [], dirs: new Set() });
        const m = merged.get(key);
        m.events.push(n);
        m.dirs.add(src === m.source ? 1 : -1);
        drop.add(n.id);
      }
      for (const id of drop) kept.delete(id);
      edges = edges.filter((e) => kept.has(e.source) && kept.has(e.target));
      // a structural link (VISITED, MOVED) gives way to the events drawn between the same pair
      const pairs = new Set([...merged.keys()]);
      edges = edges.filter((e) => !STRUCTURAL.has(e.type)
        || !pairs.has(e.source < e.target ? `${e.source}|${e.target}` : `${e.target}|${e.source}`));
      if (foldBoxes) {
        const linked = new Set([...edges, ...merged.values()].flatMap((e) => [e.source, e.target]));
        for (const n of [...kept.values()]) {
          if (n.kind === "box" && !linked.has(n.id)) { kept.delete(n.id); foldedBoxes += 1; }
        }
      }
    }
    const parties = cand.filter((n) => !EVENT_KINDS.has(n.kind));
    return {
      nodes: kept, edges, merged, summary, foldedBoxes, total: cand.length, totalEvents,
      parties: parties.length, members: parties.filter((n) => this.members.has(n.id)).length,
    };
  }

  elements(v) {
    const els = [];
    for (const n of v.nodes.values()) {
      const k = KINDS[n.kind] || KINDS.other;
      const role = this.members.get(n.id);
      els.push({
        group: "nodes",
        data: {
          id: n.id, kind: n.kind, text: nodeText(n, role) + foldText(v.summary.get(n.id)),
          color: k.color, shape: k.shape,
          size: role ? k.size + 8 : k.size, member: role ? true : undefined,
          small: EVENT_KINDS.has(n.kind) ? true : undefined,
        },
      });
    }
    for (const e of v.edges) {
      els.push({
        group: "edges",
        data: {
          id: e.id, source: e.source, target: e.target, type: e.type, width: 1.5,
          text: edgeText(e.type, this.nodes.get(e.source), this.nodes.get(e.target)),
        },
      });
    }
    for (const [key, m] of v.merged) {
      const evs = m.events.sort((a, b) => String(nodeDate(a)).localeCompare(String(nodeDate(b))));
      const lines = [];
      if (evs.length === 1) lines.push(mergedText(evs[0]));
      else {
        const groups = new Map();
        for (const x of evs) {
          const p = x.properties || {};
          const what = x.kind === "event" ? tv("evt", p.event_type)
            : x.kind === "settlement" ? (String(p.med_type) === "21" ? t("tl.admissions") : t("kind.settlement"))
              : t("kind.feeline");
          if (!groups.has(what)) groups.set(what, { n: 0, money: 0 });
          const g = groups.get(what);
          g.n += 1;
          g.money += Number(x.kind === "settlement" ? p.hifp_pay ?? p.fund_pay_sumamt ?? p.medfee_sumamt ?? 0 : 0);
        }
        for (const [what, g] of groups) lines.push(`${what} ×${g.n}${g.money ? " " + fmtMoney(g.money, 0) : ""}`);
        lines.push(`${md(nodeDate(evs[0]))} … ${md(nodeDate(evs[evs.length - 1]))}`);
      }
      els.push({
        group: "edges",
        data: {
          id: "m:" + key, source: m.source, target: m.target, type: "MERGED", merged: true,
          both: m.dirs.size > 1 ? true : undefined,
          events: evs.map((x) => x.id), text: lines.join("\n"), width: Math.min(1.5 + evs.length / 2, 7),
        },
      });
    }
    return els;
  }

  /** Redraw; keeps the positions of nodes already drawn and lays out the new ones. */
  render(full = false) {
    const v = this.view();
    const els = this.elements(v);
    const want = new Set(els.map((e) => e.data.id));
    const cy = this.cy;
    const old = new Map(cy.nodes().map((n) => [n.id(), { ...n.position() }]));
    cy.batch(() => {
      cy.elements().filter((e) => !want.has(e.id())).remove();
      for (const el of els) {
        const ex = cy.getElementById(el.data.id);
        if (ex.nonempty()) { ex.data(el.data); continue; }
        if (el.group === "nodes") {
          const n = this.nodes.get(el.data.id);
          const anchor = (n.near && old.get(n.near)) || null;
          el.position = anchor
            ? { x: anchor.x + (Math.random() - 0.5) * 160, y: anchor.y + (Math.random() - 0.5) * 160 }
            : { x: Math.random() * 400, y: Math.random() * 400 };
        }
        cy.add(el);
      }
    });
    const folded = [...v.summary.values()].reduce((s, m) => s + [...m.values()].reduce((a, b) => a + b, 0), 0);
    const shown = v.nodes.size + folded + [...v.merged.values()].reduce((s, m) => s + m.events.length, 0);
    const status = this.root.querySelector(".shown");
    if (this.capEvents) {
      const evShown = [...v.nodes.values()].filter((n) => EVENT_KINDS.has(n.kind)).length
        + folded + [...v.merged.values()].reduce((s, m) => s + m.events.length, 0);
      status.textContent = t("graph.parties", { p: v.parties, m: v.members })
        + t("graph.events", { n: evShown, m: v.totalEvents })
        + (v.foldedBoxes ? t("graph.folded_boxes", { n: v.foldedBoxes }) : "")
        + (this.truncated ? t("graph.truncated") : "");
      status.dataset.parties = String(v.parties);
      status.dataset.events = String(evShown);
      this.root.querySelector(".more").hidden = v.totalEvents <= this.cap;
    } else {
      status.textContent = t("graph.shown", { n: shown - v.foldedBoxes, m: v.total })
        + (v.foldedBoxes ? t("graph.folded_boxes", { n: v.foldedBoxes }) : "")
        + (this.truncated ? t("graph.truncated") : "");
      this.root.querySelector(".more").hidden = v.total <= this.cap;
    }
    this.renderKinds();
    this.paintEvidence();
    const newCount = els.filter((e) => e.group === "nodes" && !old.has(e.data.id)).length;
    if (full || this.firstLayout || newCount > 0) this.layout(full || this.firstLayout);
  }

  renderKinds() {
    const box = this.root.querySelector(".kinds");
    const counts = new Map();
    for (const n of this.nodes.values()) counts.set(n.kind, (counts.get(n.kind) || 0) + 1);
    box.innerHTML = "";
    for (const [kind, n] of [...counts].sort()) {
      const k = KINDS[kind] || KINDS.other;
      const lab = document.createElement("label");
      lab.className = "kind-toggle";
      lab.dataset.kind = kind;
      lab.innerHTML = `<input type="checkbox" ${this.hidden.has(kind) ? "" : "checked"}>
        <span class="swatch shape-${k.shape}" style="background:${k.color}"></span>${t("kind." + kind)} <small>${n}</small>`;
      lab.querySelector("input").addEventListener("change", (e) => {
        if (e.target.checked) this.hidden.delete(kind); else this.hidden.add(kind);
        this.render();
      });
      box.appendChild(lab);
    }
  }

  layout(randomize) {
    const n = this.cy.nodes().length;
    if (!n) return;
    this.firstLayout = false;
    const big = n > 250;
    const opts = {
      name: "fcose",
      quality: big ? "default" : "proof",
      randomize: !!randomize,
      animate: !randomize && n < 300,
      animationDuration: 400,
      fit: true,
      padding: 30,
      nodeDimensionsIncludeLabels: true,
      uniformNodeDimensions: false,
      packComponents: true,
      nodeRepulsion: () => (big ? 6000 : 12000),
      idealEdgeLength: (e) => (e.data("merged") ? 170 : 110),
      edgeElasticity: () => 0.3,
      nestingFactor: 0.1,
      gravity: 0.25,
      gravityRange: 3.8,
      numIter: big ? 1500 : 2500,
      tile: true,
      tilingPaddingVertical: 20,
      tilingPaddingHorizontal: 20,
    };
    this.layoutDone = false;
    const lay = this.cy.layout(opts);
    lay.one("layoutstop", () => { this.layoutDone = true; this.root.dataset.layout = "done"; });
    this.root.dataset.layout = "running";
    lay.run();
  }

  paintEvidence() {
    const cy = this.cy;
    cy.elements().removeClass("ev");
    if (!this.showEvidence || !this.evidenceIds) return;
    const ev = this.evidenceIds;
    const on = (id) => ev.has(id) || this.members.has(id);
    cy.nodes().forEach((n) => { if (ev.has(n.id())) n.addClass("ev"); });
    cy.edges().forEach((e) => {
      const evs = e.data("events");
      if (evs ? evs.some((x) => ev.has(x)) && on(e.source().id()) && on(e.target().id())
        : (ev.has(e.source().id()) || ev.has(e.target().id())) && on(e.source().id()) && on(e.target().id())) {
        e.addClass("ev");
      }
    });
  }

  /** Highlight the nodes of one evidence line (null clears). */
  focus(lineIndex) {
    const cy = this.cy;
    cy.elements().removeClass("faded focus");
    if (lineIndex === null || lineIndex === undefined) return;
    const ids = this.evidenceByLine[lineIndex] || new Set();
    const hit = cy.nodes().filter((n) => ids.has(n.id()) || (n.data("events") || []).some((x) => ids.has(x)));
    const edges = cy.edges().filter((e) => {
      const evs = e.data("events") || [];
      return (ids.has(e.source().id()) && ids.has(e.target().id())) || evs.some((x) => ids.has(x))
        || (ids.has(e.source().id()) && EVENT_KINDS.has(e.target().data("kind")))
        || (ids.has(e.target().id()) && EVENT_KINDS.has(e.source().data("kind")) && ids.has(e.source().id()));
    });
    const sel = hit.union(edges).union(edges.connectedNodes());
    if (sel.empty()) return;
    this.reveal();
    cy.elements().addClass("faded");
    sel.removeClass("faded").addClass("focus");
    cy.animate({ fit: { eles: sel, padding: 80 }, duration: 300 });
  }

  /** Scroll the page so the whole graph canvas is on screen (an evidence line or a
   * member clicked lower down the page must not highlight nodes off screen). */
  reveal() {
    const r = this.cyEl.getBoundingClientRect();
    if (r.top >= 0 && r.bottom <= window.innerHeight) return;
    this.root.scrollIntoView({ block: "start", behavior: "instant" });
  }

  selectById(id) {
    this.reveal();
    const n = this.cy.getElementById(id);
    if (n.nonempty()) {
      this.cy.nodes().unselect();
      n.select();
      this.cy.animate({ center: { eles: n }, duration: 250 });
    }
    this.select(id);
  }

  /** Show only the events dated within [from, to] (ISO days; null for open ends), as the
   * toolbar's date fields do; a timeline's brushed range comes here. */
  setDateRange(from, to) {
    this.dateFrom = from || "";
    this.dateTo = to || "";
    this.root.querySelector(".date-from").value = this.dateFrom;
    this.root.querySelector(".date-to").value = this.dateTo;
    this.root.dataset.dateFrom = this.dateFrom;
    this.root.dataset.dateTo = this.dateTo;
    this.render();
  }

  closeProfile() { this.profileEl.hidden = true; }

  /** The profile card of a node: what the graph knows, then the API's profile. */
  async select(id) {
    const n = this.nodes.get(id);
    if (!n) return;
    const [kind, key] = splitId(id);
    const el = this.profileEl;
    const k = KINDS[n.kind] || KINDS.other;
    const role = this.members.get(id);
    const expandable = ENTITY_KINDS.has(kind);
    el.hidden = false;
    el.dataset.node = id;
    el.innerHTML = `
      <header><span class="swatch" style="background:${k.color}"></span>
        <b>${esc(t("kind." + n.kind))}</b> <span class="mono">${esc(key)}</span>
        <button type="button" class="link close" aria-label="${t("common.close")}">✕</button></header>
      <div class="name">${esc(n.label || "")}</div>
      ${role ? `<div>${t("profile.role")}: <b>${esc(tv("role_m", role))}</b></div>` : ""}
      <div class="actions">
        ${expandable ? `<button type="button" class="expand primary">${t("graph.expand")}</button>` : ""}
        ${kind === "trace_code" ? `<a class="button" href="#/box/${encodeURIComponent(key)}">${t("graph.boxhistory")}</a>` : ""}
        ${expandable ? `<a class="button" href="#/entity/${kind}/${encodeURIComponent(key)}">${t("graph.open_entity")}</a>` : ""}
      </div>
      <div class="profile-body">${propsTable(n.properties)}</div>`;
    el.querySelector(".close").addEventListener("click", () => this.closeProfile());
    const ex = el.querySelector(".expand");
    if (ex) ex.addEventListener("click", () => this.expand(id, ex));
    if (!expandable) return;
    try {
      const p = await api.get(`/entities/${kind}/${encodeURIComponent(key)}`);
      if (el.dataset.node !== id) return;
      const body = el.querySelector(".profile-body");
      body.innerHTML = `
        ${p.region ? `<div>${t("profile.region")}: ${esc(region(p.region))}</div>` : ""}
        ${p.flags?.length ? `<div class="flags">${p.flags.map((f) => `<span class="tag">${esc(flagText(f))}</span>`).join("")}</div>` : ""}
        ${Object.keys(p.degree || {}).length ? `<div class="degree">${t("profile.degree")}: ${Object.entries(p.degree).map(([r, c]) => `${esc(tv("rel", r))} ${c}`).join(" · ")}</div>` : ""}
        ${p.leads?.length ? `<div>${t("profile.leads")}: ${p.leads.map((x) => `<a href="#/lead/${encodeURIComponent(x.lead_id)}">${esc(tv("typ", x.typology))} ${x.score !== null ? Number(x.score).toFixed(2) : ""}</a>`).join(" ")}</div>` : ""}
        ${propsTable(p.properties)}`;
    } catch (err) {
      /* the graph's own data stays shown */
    }
  }

  /** Expand a node's neighbourhood (two hops, so parties behind an event come along). */
  async expand(id, button) {
    const [kind, key] = splitId(id);
    if (button) { button.disabled = true; button.textContent = t("graph.expanding"); }
    this.root.dataset.expanding = "1";
    try {
      const sub = await api.get(`/entities/${kind}/${encodeURIComponent(key)}/neighbourhood`, {
        hops: this.expandHops, max_nodes: this.expandMax, per_node: 25,
      });
      const added = this.add(sub, id);
      const shown = this.cy.nodes().length;
      this.cap = Math.max(this.cap, shown + Math.min(added.length, 60));
      this.render();
      this.cy.getElementById(id).addClass("expanded");
      if (button) button.textContent = t("graph.expanded", { n: added.length });
      return added;
    } finally {
      delete this.root.dataset.expanding;
    }
  }

  exportPng() {
    const blob = this.cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff" });
    download("graph.png", blob);
  }

  exportSvg() {
    const svg = this.cy.svg({ full: true, scale: 1, bg: "#ffffff" });
    download("graph.svg", new Blob([svg], { type: "image/svg+xml;charset=utf-8" }));
  }
}

export function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

export function propsTable(props, max = 16) {
  const rows = Object.entries(props || {}).filter(([, v]) => v !== null && v !== "" && typeof v !== "object");
  if (!rows.length) return "";
  return `<table class="props">${rows.slice(0, max).map(([k, v]) => `<tr><th title="${esc(k)}">${esc(getLang() === "en" ? k : t("prop." + k, {}, k))}</th><td>${esc(REGION_PROPS.has(k) ? region(v) : typeof v === "boolean" ? t(`val.bool.${v}`) : has(`val.${k}.${v}`) ? (/^\d+$/.test(String(v)) ? `${v} ${t(`val.${k}.${v}`)}` : t(`val.${k}.${v}`)) : v)}</td></tr>`).join("")}</table>`;
}
