// The workbench: sign-in, lead queue, lead page, box history, entity network.
// Hash routes: #/leads?…, #/lead/<id>, #/box/<code>, #/entity/<kind>/<id>.

import * as api from "./api.js";
import { t, tv, has, translate, getLang, setLang, fmtMoney, fmtDate, fmtTime } from "./i18n.js";
import { GraphPanel, KINDS, esc, splitId, nodeDate, registerExtensions } from "./graph.js";
import { renderTimeline, ms } from "./timeline.js";
import { renderTravelMap } from "./map.js";
import { region, regionHtml, graphNames, evidenceHtml, flagText, partyText } from "./names.js";

const $ = (s, root = document) => root.querySelector(s);
const STATUSES = ["new", "in_review", "confirmed", "dismissed", "referred"];
const TYPOLOGIES = [
  "prescription_buyer", "recycled_drug", "inpatient_recruitment", "card_pooling",
  "spatiotemporal", "deceased_claims", "split_admission",
];
const SORTS = ["score", "amount_at_risk", "last_seen", "first_seen", "member_count", "detected_at", "lead_id"];
const RANK = { analyst: 0, investigator: 1, supervisor: 2, admin: 3 };

let me = null;

// -- shell --------------------------------------------------------------------------------
function show(view) {
  window.__graph = null;
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== "view-" + view;
  $("#topbar").hidden = view === "login";
  document.body.dataset.view = view;
}

function toast(msg, bad = false) {
  const el = $("#toast");
  el.textContent = msg;
  el.className = bad ? "bad" : "";
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 4000);
}

function langButtons() {
  for (const b of [$("#lang-switch"), $("#lang-switch-login")]) b.textContent = t("lang.other");
}

async function whoami() {
  me = await api.get("/users/me");
  $("#whoami").textContent = `${me.username} · ${tv("role", me.role)}${me.region ? " · " + region(me.region) : ""}`;
}

function statusBadge(s) {
  return `<span class="status status-${esc(s)}">${esc(tv("status", s))}</span>`;
}

function scoreBar(v) {
  const p = Math.round((v || 0) * 100);
  return `<span class="score"><span class="bar"><span style="width:${p}%"></span></span>${(v || 0).toFixed(2)}</span>`;
}

function parseHash() {
  const h = location.hash.replace(/^#/, "") || "/leads";
  const [path, query] = h.split("?");
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query || "") };
}

async function route() {
  if (!api.token()) { showLogin(); return; }
  if (!me) {
    try { await whoami(); } catch { return; }
  }
  const { parts, params } = parseHash();
  try {
    if (parts[0] === "lead" && parts[1]) { api.workOn(parts[1]); await leadView(parts[1]); }
    else if (parts[0] === "box" && parts[1]) await boxView(parts[1]);
    else if (parts[0] === "entity" && parts[2]) await entityView(parts[1], parts[2]);
    else { api.workOn(null); await queueView(params); }
  } catch (err) {
    if (err.status !== 401) toast(`${t("common.error")}: ${err.message}`, true);
  }
}

function showLogin() {
  me = null;
  show("login");
  $("#login-password").value = "";
  $("#login-totp").value = "";
  $("#login-user").focus();
}

// -- lead queue ---------------------------------------------------------------------------
const QUEUE_FIELDS = ["q", "typology", "status", "region", "min_score", "min_amount", "assignee", "sort", "order", "offset"];

async function queueView(params) {
  show("queue");
  const root = $("#view-queue");
  const f = Object.fromEntries(QUEUE_FIELDS.map((k) => [k, params.get(k) || ""]));
  f.sort ||= "score";
  f.order ||= "desc";
  const limit = 25;
  const offset = Number(f.offset || 0);
  root.innerHTML = `
    <div class="queue-head">
      <h2>${t("queue.title")}</h2>
      <div class="status-counts" id="status-counts"></div>
    </div>
    <form id="queue-filters" class="filters card">
      <label class="search">${t("queue.search")}<input id="queue-search" name="q" type="search" value="${esc(f.q)}" minlength="2" maxlength="64" size="34" placeholder="${t("queue.search_placeholder")}"></label>
      <label>${t("queue.typology")}<select name="typology"><option value="">${t("common.all")}</option>
        ${TYPOLOGIES.map((x) => `<option value="${x}" ${f.typology === x ? "selected" : ""}>${tv("typ", x)}</option>`).join("")}</select></label>
      <label>${t("queue.status")}<select name="status"><option value="">${t("common.all")}</option>
        ${STATUSES.map((x) => `<option value="${x}" ${f.status === x ? "selected" : ""}>${tv("status", x)}</option>`).join("")}</select></label>
      <label>${t("queue.region")}<input name="region" value="${esc(f.region)}" pattern="[0-9]{0,6}" size="7" placeholder="3701"></label>
      <label>${t("queue.min_score")}<input name="min_score" type="number" min="0" max="1" step="0.05" value="${esc(f.min_score)}" style="width:5em"></label>
      <label>${t("queue.min_amount")}<input name="min_amount" type="number" min="0" step="1000" value="${esc(f.min_amount)}" style="width:7em"></label>
      <label>${t("queue.assignee")}<input name="assignee" value="${esc(f.assignee)}" size="10"></label>
      <label class="check"><input type="checkbox" name="mine" ${f.assignee && f.assignee === me.username ? "checked" : ""}>${t("queue.mine")}</label>
      <label>${t("queue.sort")}<select name="sort">${SORTS.map((x) => `<option value="${x}" ${f.sort === x ? "selected" : ""}>${tv("sort", x)}</option>`).join("")}</select></label>
      <label>${t("queue.order")}<select name="order"><option value="desc" ${f.order === "desc" ? "selected" : ""}>${t("queue.desc")}</option><option value="asc" ${f.order === "asc" ? "selected" : ""}>${t("queue.asc")}</option></select></label>
      <button type="submit" class="primary">${t("common.apply")}</button>
      <a class="button" href="#/leads">${t("common.reset")}</a>
    </form>
    <div class="card"><table class="leads"><thead><tr>
      <th data-sort="score">${t("queue.score")}</th><th>${t("queue.typology")}</th><th data-sort="lead_id">${t("queue.lead")}</th>
      <th>${t("queue.region")}</th><th data-sort="member_count">${t("queue.members")}</th>
      <th data-sort="amount_at_risk">${t("queue.amount")}</th><th data-sort="last_seen">${t("queue.period")}</th>
      <th>${t("queue.status")}</th><th>${t("queue.assignee")}</th><th>${t("queue.actions")}</th>
    </tr></thead><tbody><tr><td colspan="10" class="muted">${t("common.loading")}</td></tr></tbody></table>
    <div class="pager"><span id="queue-count"></span>
      <button type="button" id="prev" ${offset ? "" : "disabled"}>${t("common.prev")}</button>
      <button type="button" id="next">${t("common.next")}</button></div></div>`;

  const go = (over) => {
    const merged = { ...f, ...over };
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(merged)) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
    location.hash = "#/leads?" + q.toString();
  };
  const form = $("#queue-filters");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    if (d.mine) d.assignee = me.username;
    delete d.mine;
    go({ ...d, offset: "" });
  });
  form.elements.mine.addEventListener("change", (e) => {
    form.elements.assignee.value = e.target.checked ? me.username : "";
  });
  for (const th of root.querySelectorAll("th[data-sort]")) {
    th.classList.add("sortable");
    if (th.dataset.sort === f.sort) th.classList.add(f.order);
    th.addEventListener("click", () => go({ sort: th.dataset.sort, order: f.sort === th.dataset.sort && f.order === "desc" ? "asc" : "desc", offset: "" }));
  }
  $("#prev").addEventListener("click", () => go({ offset: Math.max(0, offset - limit) }));
  $("#next").addEventListener("click", () => go({ offset: offset + limit }));

  const base = { q: f.q, typology: f.typology, region: f.region, min_score: f.min_score, min_amount: f.min_amount, assignee: f.assignee };
  const [page, ...counts] = await Promise.all([
    api.get("/leads", { ...base, status: f.status, sort: f.sort, order: f.order, offset, limit }),
    api.get("/leads", { ...base, limit: 1 }),
    ...STATUSES.map((s) => api.get("/leads", { ...base, status: s, limit: 1 })),
  ]);
  const sc = $("#status-counts");
  sc.innerHTML = [["", counts[0].count], ...STATUSES.map((s, i) => [s, counts[i + 1].count])]
    .map(([s, n]) => `<a href="#" data-status="${s}" class="count-chip ${f.status === s ? "on" : ""} ${s ? "status-" + s : ""}">${s ? tv("status", s) : t("common.all")} <b>${n}</b></a>`)
    .join("");
  for (const a of sc.querySelectorAll("a")) {
    a.addEventListener("click", (e) => { e.preventDefault(); go({ status: a.dataset.status, offset: "" }); });
  }
  $("#queue-count").textContent = t("queue.count", { n: page.count });
  $("#next").disabled = offset + limit >= page.count;
  const tbody = root.querySelector("tbody");
  if (!page.data.length) {
    tbody.innerHTML = `<tr><td colspan="10" class="muted">${t("queue.empty")}</td></tr>`;
    return;
  }
  const canClaim = RANK[me.role] >= 1;
  tbody.innerHTML = page.data.map((l) => `
    <tr data-lead="${esc(l.lead_id)}">
      <td>${scoreBar(l.score)}</td>
      <td><span class="typ typ-${esc(l.typology)}">${esc(tv("typ", l.typology))}</span></td>
      <td><a class="mono" href="#/lead/${encodeURIComponent(l.lead_id)}">${esc(l.lead_id)}</a></td>
      <td class="nowrap">${regionHtml(l.region)}</td>
      <td class="num">${l.member_count ?? ""}</td>
      <td class="num">${fmtMoney(l.amount_at_risk)}</td>
      <td class="nowrap">${fmtDate(l.first_seen)} – ${fmtDate(l.last_seen)}</td>
      <td>${statusBadge(l.status)}</td>
      <td>${esc(l.assignee || "")}</td>
      <td>${canClaim && l.status === "new" ? `<button type="button" class="claim">${t("queue.claim")}</button>` : ""}</td>
    </tr>`).join("");
  for (const tr of tbody.querySelectorAll("tr")) {
    tr.addEventListener("click", (e) => {
      if (e.target.closest("button, a")) return;
      location.hash = "#/lead/" + encodeURIComponent(tr.dataset.lead);
    });
    const b = tr.querySelector(".claim");
    if (b) {
      b.addEventListener("click", async () => {
        b.disabled = true;
        try {
          await api.post(`/leads/${encodeURIComponent(tr.dataset.lead)}/transitions`, { to_status: "in_review", note: null });
          toast(t("queue.claimed"));
          route();
        } catch (err) {
          b.disabled = false;
          toast(`${t("common.error")}: ${err.message}`, true);
        }
      });
    }
  }
}

// -- lead page ----------------------------------------------------------------------------
// roles that see identifiers whole when the stated purpose names the lead
const UNMASKED_ROLES = new Set(["investigator", "supervisor", "admin"]);

function evidenceKind(line) {
  const m = /^([a-z_]+):/.exec(line);
  const k = m ? m[1] : "other";
  return has("ev." + k) && !["kind", "text", "click"].includes(k) ? k : "other";
}

async function leadView(leadId) {
  show("lead");
  const root = $("#view-lead");
  root.innerHTML = `<p class="muted">${t("common.loading")}</p>`;
  const lead = await api.get(`/leads/${encodeURIComponent(leadId)}`);
  const members = new Map(lead.members.map((m) => [`${m.kind}:${m.id}`, m.role]));
  // full identifiers need a purpose stated for this lead: asked once per lead
  const ask = me && UNMASKED_ROLES.has(me.role) && !api.leadPurpose(leadId);
  root.innerHTML = `
    ${ask ? `<form class="card purpose-ask" id="lead-purpose-form">
      <label><span>${t("lead.purpose_ask")}</span>
        <input id="lead-purpose" minlength="4" maxlength="200" required></label>
      <button type="submit" class="primary">${t("lead.purpose_submit")}</button>
      <p class="muted small">${t("lead.purpose_note")}</p>
    </form>` : ""}
    <div class="lead-head card">
      <div>
        <a href="#/leads" class="link">← ${t("nav.queue")}</a>
        <h2><span class="typ typ-${esc(lead.typology)}">${esc(tv("typ", lead.typology))}</span>
          <span class="mono">${esc(lead.lead_id)}</span> ${statusBadge(lead.status)}
          ${lead.active ? "" : `<span class="tag">${t("lead.inactive")}</span>`}</h2>
      </div>
      <dl class="facts">
        <div><dt>${t("lead.score")}</dt><dd>${scoreBar(lead.score)}</dd></div>
        <div><dt>${t("lead.amount")}</dt><dd class="amount"><span id="lead-amount">${fmtMoney(lead.amount_at_risk)}</span>
          <button type="button" class="link small" id="amount-detail-btn" aria-expanded="false">${t("amount.detail")}</button></dd></div>
        <div><dt>${t("lead.members")}</dt><dd>${lead.member_count ?? lead.members.length}</dd></div>
        <div><dt>${t("lead.period")}</dt><dd>${fmtDate(lead.first_seen)} – ${fmtDate(lead.last_seen)}</dd></div>
        <div><dt>${t("lead.region")}</dt><dd>${regionHtml(lead.region)}</dd></div>
        <div><dt>${t("lead.assignee")}</dt><dd id="lead-assignee">${esc(lead.assignee || "—")}</dd></div>
      </dl>
    </div>
    <div class="card" id="amount-detail" hidden></div>
    <div class="lead-body">
      <div class="lead-main">
        ${lead.typology === "spatiotemporal" ? `<div class="card"><h3>${t("map.title")}</h3><div id="travel-map"></div></div>` : ""}
        <div id="lead-graph" class="card"></div>
        <div class="card"><h3>${t("lead.timeline")}</h3><div id="lead-timeline"></div></div>
      </div>
      <div class="lead-side">
        <div class="card"><h3>${t("lead.reasons")}</h3>
          <table class="reasons"><thead><tr><th>${t("lead.factor")}</th><th>${t("lead.value")}</th><th>${t("lead.weight")}</th></tr></thead>
          <tbody>${lead.reasons.map((r) => `<tr data-factor="${esc(r.factor)}"><td><b title="${esc(r.factor)}">${esc(tv("factor", r.factor))}</b><div class="explain">${esc(r.text)}</div></td>
            <td class="num">${esc(typeof r.value === "number" ? +r.value.toFixed(3) : r.value)}</td>
            <td class="num">${r.weight !== null && r.weight !== undefined ? `<span class="bar small"><span style="width:${Math.round(r.weight * 100)}%"></span></span>${r.weight.toFixed(2)}` : ""}</td></tr>`).join("")}</tbody></table>
        </div>
        <div class="card" id="lead-workflow"></div>
        <div class="card"><h3>${t("lead.members")} <small>(${lead.members.length})</small></h3>
          <ul class="members">${lead.members.slice(0, 60).map((m) => {
            const k = KINDS[m.kind === "trace_code" ? "box" : m.kind === "practitioner" ? "doctor" : m.kind === "institution" ? "institution" : m.kind] || KINDS.other;
            return `<li data-node="${esc(m.kind + ":" + m.id)}"><span class="swatch" style="background:${k.color}"></span>${esc(tv("role_m", m.role))} · <a href="#" class="mono">${esc(m.name || m.id)}</a></li>`;
          }).join("")}</ul>
        </div>
        <div class="card"><h3>${t("lead.evidence")} <small>(${lead.evidence.length})</small></h3>
          <p class="muted small">${t("ev.click")}</p>
          ${lead.evidence_withheld ? `<p class="muted small" id="evidence-withheld">${t("lead.evidence_withheld", { n: lead.evidence_withheld })}</p>` : ""}
          <div class="evidence-wrap"><table class="evidence"><thead><tr><th>${t("ev.kind")}</th><th>${t("ev.text")}</th></tr></thead>
          <tbody>${lead.evidence.map((line, i) => `<tr data-i="${i}" ${i >= 40 ? "hidden" : ""}><td><span class="tag">${t("ev." + evidenceKind(line))}</span></td><td class="small ev-line">${evidenceHtml(line)}</td></tr>`).join("")}</tbody></table></div>
          ${lead.evidence.length > 40 ? `<button type="button" class="link" id="evidence-more">${t("common.more")}</button>` : ""}
        </div>
      </div>
    </div>`;

  const graph = new GraphPanel($("#lead-graph"), { members, evidence: lead.evidence, cap: 150, capEvents: true });
  window.__graph = graph; // for tests and the console
  graph.add(lead.subgraph);
  graph.render();
  const names = graphNames(graph); // evidence codes with the names the graph holds
  root.querySelectorAll("table.evidence td.ev-line").forEach((td, i) => { td.innerHTML = evidenceHtml(lead.evidence[i], names); });

  renderWorkflow(lead);
  if (ask) {
    $("#lead-purpose-form").addEventListener("submit", (e) => {
      e.preventDefault();
      api.setLeadPurpose(leadId, $("#lead-purpose").value.trim());
      route();
    });
  }
  $("#amount-detail-btn").addEventListener("click", () => toggleAmounts(lead));

  for (const li of root.querySelectorAll(".members li")) {
    li.querySelector("a").addEventListener("click", (e) => { e.preventDefault(); graph.selectById(li.dataset.node); });
  }
  let focused = null;
  for (const tr of root.querySelectorAll("table.evidence tbody tr")) {
    tr.addEventListener("click", () => {
      const i = Number(tr.dataset.i);
      root.querySelectorAll("table.evidence tr.on").forEach((x) => x.classList.remove("on"));
      focused = focused === i ? null : i;
      if (focused !== null) tr.classList.add("on");
      graph.focus(focused);
    });
  }
  const more = $("#evidence-more");
  if (more) more.addEventListener("click", () => { root.querySelectorAll("table.evidence tr[hidden]").forEach((x) => { x.hidden = false; }); more.remove(); });

  if (lead.typology === "spatiotemporal") await renderTravelMap($("#travel-map"), lead, graph);
  await leadTimeline(lead, graph);
}

// 涉案金额 (the lead's amount: what the fund paid for the suspect part) broken down by
// member, item by item, as the referral package counts it (GET /leads/{id}/amounts); the
// wider total of the settlements read with the lead is a different figure, labelled so.
async function toggleAmounts(lead) {
  const box = $("#amount-detail");
  const btn = $("#amount-detail-btn");
  if (!box.hidden) { box.hidden = true; btn.setAttribute("aria-expanded", "false"); return; }
  box.hidden = false;
  btn.setAttribute("aria-expanded", "true");
  box.innerHTML = `<p class="muted">${t("common.loading")}</p>`;
  const a = await api.get(`/leads/${encodeURIComponent(lead.lead_id)}/amounts`);
  const r = a.related;
  box.innerHTML = `<h3>${t("amount.title")}</h3>
    <p>${t("amount.case")} <b class="amount" id="amount-case">${fmtMoney(a.case_amount)}</b> · ${t("amount.definition")}</p>
    <p class="small">${t("amount.legal")} <b id="amount-legal">${fmtMoney(a.total_fraud_amount)}</b> =
      ${t("amount.case")} ${fmtMoney(a.case_amount)} + ${t("amount.acct")} ${fmtMoney(a.total_fraud_amount - a.case_amount)}
      · ${t("amount.related")} <b id="amount-related">${fmtMoney(r.fund + r.acct)}</b>
      (${r.settlements} ${t("amount.settlements")}, ${t("amount.medfee")} ${fmtMoney(r.medfee)}, ${t("amount.fund")} ${fmtMoney(r.fund)}, ${t("amount.acct")} ${fmtMoney(r.acct)})</p>
    <p class="muted small">${t("amount.shares")}</p>
    <div class="evidence-wrap"><table class="amounts"><thead><tr><th>${t("amount.party")}</th><th>${t("amount.role")}</th>
      <th>${t("amount.fund")}</th><th>${t("amount.acct")}</th><th>${t("amount.items")}</th></tr></thead>
    <tbody>${a.parties.map((p) => `<tr><td class="mono small">${esc(partyText(p.party))}</td><td>${esc(p.role_zh)}</td>
      <td class="num">${fmtMoney(p.amount)}</td><td class="num">${fmtMoney(p.personal_account)}</td>
      <td class="small">${esc(p.workings.slice(0, 6).join("；"))}${p.workings.length > 6 ? ` … (${p.workings.length})` : ""}</td></tr>`).join("")}</tbody></table></div>
    <details><summary class="small">${t("amount.rule")}</summary><p class="small">${esc(a.rule)}</p></details>`;
}

// A lead becomes referred only by making its referral package (POST /leads/{id}/referral):
// the status list never offers "referred"; a supervisor refers a confirmed lead with the
// button, and the package's files are then listed for download with their hashes.
function renderWorkflow(lead) {
  const box = $("#lead-workflow");
  const opts = (lead.allowed_transitions || []).filter((s) => s !== "referred");
  const canRefer = lead.status === "confirmed" && RANK[me.role] >= 2;
  box.innerHTML = `
    <h3>${t("lead.workflow")}</h3>
    <form id="status-form">
      ${opts.length ? `<label>${t("lead.to_status")}<select id="to-status">${opts.map((s) => `<option value="${s}">${tv("status", s)}</option>`).join("")}</select></label>` : `<p class="muted">${t(lead.status === "confirmed" ? "lead.refer_hint" : "lead.no_transition")}</p>`}
      <label>${t("lead.note")}<textarea id="status-note" rows="3" maxlength="2000" placeholder="${t("lead.note_placeholder")}"></textarea></label>
      <div class="row">
        ${opts.length ? `<button type="submit" class="primary" id="status-submit">${t("lead.submit")}</button>` : ""}
        ${canRefer ? `<button type="button" class="primary refer" id="referral-create">${t("ref.create")}</button>` : ""}
        <button type="button" id="note-only">${t("lead.add_note")}</button>
      </div>
    </form>
    <div id="lead-referral"></div>
    <h4>${t("lead.history")}</h4>
    <ol class="history">${[...lead.history].reverse().map((h) => `
      <li><span class="muted">${fmtTime(h.at)}</span> <b>${esc(h.by)}</b>
        ${h.action === "transition" ? `${statusBadge(h.from_status || "new")} → ${statusBadge(h.to_status)}` : h.action === "assign" ? `→ ${esc(h.assignee || "—")}` : ""}
        ${h.note ? `<div class="note">${esc(h.note)}</div>` : ""}</li>`).join("") || `<li class="muted">${t("common.none")}</li>`}</ol>`;
  const id = encodeURIComponent(lead.lead_id);
  const done = (updated) => {
    toast(t("lead.changed"));
    const head = document.querySelector(".lead-head h2 .status");
    if (head) head.outerHTML = statusBadge(updated.status);
    $("#lead-assignee").textContent = updated.assignee || "—";
    renderWorkflow(updated);
  };
  $("#status-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!$("#to-status")) return;
    try {
      done(await api.post(`/leads/${id}/transitions`, { to_status: $("#to-status").value, note: $("#status-note").value || null }));
    } catch (err) { toast(`${t("common.error")}: ${err.message}`, true); }
  });
  $("#note-only").addEventListener("click", async () => {
    const note = $("#status-note").value.trim();
    if (!note) { $("#status-note").focus(); return; }
    try { done(await api.post(`/leads/${id}/notes`, { note })); } catch (err) { toast(`${t("common.error")}: ${err.message}`, true); }
  });
  const refer = $("#referral-create");
  if (refer) {
    refer.addEventListener("click", async () => {
      refer.disabled = true;
      refer.textContent = t("ref.creating");
      try {
        const note = $("#status-note").value.trim() || null;
        await api.post(`/leads/${id}/referral`, { note });
        toast(t("ref.created"));
        done(await api.get(`/leads/${id}`));
      } catch (err) {
        refer.disabled = false;
        refer.textContent = t("ref.create");
        toast(`${t("common.error")}: ${err.message}`, true);
      }
    });
  }
  if (lead.status === "referred") renderReferral(lead.lead_id);
}

const FILE_ZH = {
  "referral.pdf": "ref.f_pdf", "ring.png": "ref.f_ring", "evidence.json": "ref.f_json",
  "manifest.json": "ref.f_manifest", SHA256SUMS: "ref.f_sums",
};

/** The referral packages of a referred lead, newest first, each file downloadable. */
async function renderReferral(leadId) {
  const box = $("#lead-referral");
  if (!box) return;
  if (RANK[me.role] < 2) { box.innerHTML = `<p class="muted small">${t("ref.supervisors_only")}</p>`; return; }
  let refs;
  try {
    refs = await api.get(`/leads/${encodeURIComponent(leadId)}/referral`);
  } catch (err) {
    box.innerHTML = `<p class="error small">${esc(err.message)}</p>`;
    return;
  }
  if (!refs.length) { box.innerHTML = `<p class="muted small">${t("ref.none")}</p>`; return; }
  const r = refs[0];
  const q = `?referral_id=${encodeURIComponent(r.referral_id)}`;
  const base = `/leads/${encodeURIComponent(leadId)}/referral/files/`;
  const files = [...r.files.map((f) => ({ ...f })), { name: "SHA256SUMS", url: base + "SHA256SUMS" + q }, { name: "manifest.json", url: r.manifest_url }];
  box.innerHTML = `
    <div class="referral" data-referral="${esc(r.referral_id)}">
      <h4>${t("ref.package")}</h4>
      <dl class="kv small">
        <dt>${t("ref.id")}</dt><dd class="mono">${esc(r.referral_id)}</dd>
        <dt>${t("ref.by")}</dt><dd>${esc(r.by || "")} · ${fmtTime(r.at)}</dd>
        <dt>${t("ref.hash")}</dt><dd class="mono hash" id="package-hash">${esc(r.package_hash)}</dd>
      </dl>
      <p class="muted small">${t("ref.hash_note")}</p>
      <ul class="files">${files.map((f) => `<li><button type="button" class="link dl" data-url="${esc(f.url)}" data-name="${esc(f.name)}">${esc(FILE_ZH[f.name] ? t(FILE_ZH[f.name]) : f.name.endsWith(".csv") ? t("ref.f_csv") : "")} ${esc(f.name)}</button>
        ${f.bytes !== undefined ? `<span class="muted small">${(f.bytes / 1024).toFixed(1)} KB</span>` : ""}</li>`).join("")}</ul>
      ${refs.length > 1 ? `<p class="muted small">${t("ref.earlier", { n: refs.length - 1 })}</p>` : ""}
    </div>`;
  for (const b of box.querySelectorAll("button.dl")) {
    b.addEventListener("click", async () => {
      try { dl(b.dataset.name, await api.blob(b.dataset.url)); } catch (err) { toast(`${t("common.error")}: ${err.message}`, true); }
    });
  }
}

const EVT_COLOR = { purchase: "#17936a", sale: "#2f6fd6", return: "#9e9e9e", supplier_return: "#7b4fc9", transfer: "#c49a6c", recall: "#000" };

const TL_COLOR = { stay: "#d23f3f", settlement: "#2f6fd6", dead: "#7a0019", death: "#111111", resale: "#e53935" };

/** The lead's timelines (GET /leads/{id}/timeline adds what the graph does not hold):
 * a card terminal's cards hour by hour (card pooling), then rows for persons (their
 * settlements and stays; a dead member's every settlement after his death date, with the
 * death date marked) and boxes (their movements). A range brushed on either chart
 * filters the graph's events by date. */
async function leadTimeline(lead, graph) {
  const box = $("#lead-timeline");
  box.innerHTML = "";
  let extra = { deaths: [], terminals: [] };
  try {
    extra = await api.get(`/leads/${encodeURIComponent(lead.lead_id)}/timeline`);
  } catch (err) {
    if (err.status === 401) throw err;
  }
  const charts = [];
  const onBrush = (from, to) => {
    graph.setDateRange(from, to);
    for (const c of charts) {
      if (c.brushed && (!from || c.container.dataset.from !== from || c.container.dataset.to !== to)) c.clearBrush();
    }
  };
  const named = (id) => {
    const n = graph.nodes.get(id);
    return (n && n.label) || splitId(id)[1];
  };

  if (extra.terminals.length) {
    const div = document.createElement("div");
    div.id = "terminal-hours";
    div.innerHTML = `<h4>${t("tl.terminal_title")}</h4><div class="tl-host"></div>`;
    box.appendChild(div);
    const hourly = extra.terminals.map((x) => ({
      label: `${t("kind.terminal")} ${splitId(x.terminal)[1]}${x.institutions.length ? " · " + x.institutions.map(named).join("、") : ""}`,
      id: x.terminal,
      hours: x.hours.map((h) => ({
        t: h.hour, n: h.cards, m: h.lead_cards,
        title: t("tl.hour_title", { h: h.hour.replace("T", " "), n: h.cards, m: h.lead_cards, s: h.settlements }),
      })),
    }));
    charts.push(renderTimeline(div.querySelector(".tl-host"), [], null, {
      id: "hours", hourly, onBrush,
      legend: [
        { shape: "col", color: "#b5bfcc", label: t("tl.lg_cards") },
        { shape: "col", color: "#e53935", label: t("tl.lg_lead_cards") },
      ],
    }));
  }

  const rows = [];
  const perDay = new Map();
  const settledBy = new Map();
  for (const e of graph.edges.values()) {
    if (e.type !== "SETTLED") continue;
    if (!settledBy.has(e.source)) settledBy.set(e.source, []);
    settledBy.get(e.source).push(graph.nodes.get(e.target));
  }
  const deaths = new Map(extra.deaths.map((d) => [d.person, d]));
  const markers = [];
  const legend = [];
  const used = new Set();
  const persons = lead.members.filter((m) => m.kind === "person");
  for (const m of persons) {
    const id = `person:${m.id}`;
    const death = deaths.get(id);
    let marks;
    if (death) {
      // every settlement the reasons count, from the API (the graph caps its events)
      const day = ms(death.death_date);
      if (!Number.isNaN(day)) markers.push({ t: death.death_date, label: t("tl.death", { d: death.death_date }), color: TL_COLOR.death });
      marks = death.settlements.map((s) => {
        const t0 = s.begntime || s.setl_time;
        const after = Number.isNaN(day) ? "" : t("tl.days_after", { n: Math.round((ms(String(t0).slice(0, 10)) - day) / 86400000) });
        return {
          t0, t1: String(s.med_type) === "21" ? s.endtime : null, shape: String(s.med_type) === "21" ? "bar" : "dot",
          color: TL_COLOR.dead, id: s.id,
          title: `${t("tl.after_death")} ${after} · ${fmtTime(t0)} ${s.institution_name || (s.institution ? splitId(s.institution)[1] : "")} ${fmtMoney(s.fund)} ${splitId(s.id)[1]}`,
        };
      });
      used.add("dead");
    } else {
      const sets = settledBy.get(id) || [];
      marks = sets.map((s) => {
        const p = s.properties || {};
        const inp = String(p.med_type) === "21";
        if (inp && p.begntime) {
          const d = String(p.begntime).slice(0, 10);
          perDay.set(d, (perDay.get(d) || 0) + 1);
        }
        used.add(inp ? "stay" : "settlement");
        return inp
          ? { t0: p.begntime || p.setl_time, t1: p.endtime, shape: "bar", color: TL_COLOR.stay, id: s.id, title: `${t("tl.admissions")} ${fmtTime(p.begntime)} – ${fmtTime(p.endtime)} ${p.setl_id}` }
          : { t0: p.setl_time || p.begntime, shape: "dot", color: TL_COLOR.settlement, id: s.id, title: `${t("kind.settlement")} ${fmtTime(p.setl_time)} ${fmtMoney(p.medfee_sumamt)} ${p.setl_id}` };
      });
    }
    if (marks.length || death) rows.push({ label: `${tv("role_m", m.role)} ${m.name || m.id}`, marks });
  }
  const boxes = lead.members.filter((m) => m.kind === "trace_code").slice(0, 12);
  const histories = await Promise.all(boxes.map((b) => api.get(`/entities/trace_code/${encodeURIComponent(b.id)}/history`).catch(() => null)));
  histories.forEach((h, i) => {
    if (!h) return;
    let out = false;
    const marks = h.events.map((e) => {
      let color = EVT_COLOR[e.event_type] || "#666";
      let big = false;
      if (e.event_type === "sale") { if (out) { color = TL_COLOR.resale; big = true; used.add("resale"); } out = true; }
      if (e.event_type === "return") out = false;
      used.add("evt." + e.event_type);
      const shape = e.event_type === "purchase" ? "tri" : e.event_type === "return" ? "diamond" : "dot";
      return { t0: e.event_time, shape, color, big, title: `${tv("evt", e.event_type)} ${fmtTime(e.event_time)} ${e.from_name || e.from_code || ""} → ${e.to_name || e.to_code || ""}${big ? " · " + t("box.resale") : ""}` };
    });
    rows.push({ label: `${t("kind.box")} …${boxes[i].id.slice(-8)}`, marks, line: true });
  });
  if (used.has("stay")) legend.push({ shape: "bar", color: TL_COLOR.stay, label: t("tl.admissions") });
  if (used.has("settlement")) legend.push({ shape: "dot", color: TL_COLOR.settlement, label: t("tl.settlements") });
  if (used.has("dead")) legend.push({ shape: "dot", color: TL_COLOR.dead, label: t("tl.after_death") });
  if (markers.length) legend.push({ shape: "line", color: TL_COLOR.death, label: t("tl.death_date") });
  for (const k of Object.keys(EVT_COLOR)) {
    if (used.has("evt." + k)) legend.push({ shape: k === "purchase" ? "tri" : k === "return" ? "diamond" : "dot", color: EVT_COLOR[k], label: tv("evt", k) });
  }
  if (used.has("resale")) legend.push({ shape: "dot", color: TL_COLOR.resale, label: t("box.resale") });
  if (boxes.length) legend.push({ shape: "life", color: "#b08a62", label: t("tl.box_life") });
  const waves = [...perDay].map(([day, n]) => ({ day, n })).sort((a, b) => a.day.localeCompare(b.day));
  if (waves.length) legend.push({ shape: "col", color: "#d23f3f", label: t("tl.waves") });
  if (rows.length || !extra.terminals.length) {
    const div = document.createElement("div");
    div.id = "member-timeline";
    if (extra.terminals.length) div.innerHTML = `<h4>${t("tl.members_title")}</h4>`;
    const host = document.createElement("div");
    host.className = "tl-host";
    div.appendChild(host);
    box.appendChild(div);
    charts.push(renderTimeline(host, rows, waves.length ? waves : null, { id: "rows", markers, legend, onBrush }));
  }
  window.__timelines = charts; // for tests and the console
}

// -- box history --------------------------------------------------------------------------
async function boxView(code) {
  show("box");
  registerExtensions();
  const root = $("#view-box");
  root.innerHTML = `<p class="muted">${t("common.loading")}</p>`;
  let h;
  try {
    h = await api.get(`/entities/trace_code/${encodeURIComponent(code)}/history`);
  } catch (err) {
    if (err.status === 404) { root.innerHTML = `<div class="card"><p class="error">${t("box.notfound")}</p></div>`; return; }
    throw err;
  }
  // the chain: each holder of the box in turn; an event that starts away from the last
  // holder means the box moved without a record (a recycled box coming back).
  const stops = [];
  const edges = [];
  const party = (kind, code2, name) => ({ kind, code: code2, name });
  const stopId = (i) => `s${i}`;
  let holder = null;
  let out = false;
  const flagged = [];
  h.events.forEach((e, i) => {
    const from = e.from_code ? party(e.from_kind, e.from_code, e.from_name) : null;
    const to = e.to_code ? party(e.to_kind, e.to_code, e.to_name) : null;
    let resale = false;
    if (e.event_type === "sale") { resale = out; out = true; }
    if (e.event_type === "return") out = false;
    if (from && (!holder || holder.p.code !== from.code)) {
      stops.push({ id: stopId(stops.length), p: from });
      if (holder) edges.push({ source: holder.id, target: stops[stops.length - 1].id, gap: true, text: t("box.gap") });
      holder = stops[stops.length - 1];
    }
    if (to) {
      stops.push({ id: stopId(stops.length), p: to });
      const prev = holder;
      holder = stops[stops.length - 1];
      if (prev) {
        edges.push({
          source: prev.id, target: holder.id, resale,
          text: `${circled(i + 1)} ${tv("evt", e.event_type)} ${fmtDate(e.event_time)}${e.setl_id ? "\n" + t("box.setl") + " " + e.setl_id : ""}${resale ? "\n⚠ " + t("box.resale") : ""}`,
        });
      }
    }
    if (resale) flagged.push(i);
  });
  root.innerHTML = `
    <div class="card box-head">
      <a href="#/leads" class="link back">← ${t("common.back")}</a>
      <h2>${t("box.title")} <span class="mono">${esc(h.code)}</span></h2>
      <div>${t("box.drug")}: <b>${esc(h.list_name || "")}</b> <span class="mono">${esc(h.med_list_codg || "")}</span>
        · ${t("box.events")}: ${h.n_events}${h.truncated ? ` <span class="tag">${t("box.truncated")}</span>` : ""}
        ${flagged.length ? ` · <span class="tag bad">⚠ ${t("box.resale")} ×${flagged.length}</span>` : ""}</div>
    </div>
    <div class="card"><div class="graph-toolbar"><span class="spacer"></span>
      <button type="button" id="box-png">${t("graph.png")}</button><button type="button" id="box-svg">${t("graph.svg")}</button></div>
      <div id="box-chain" class="cy chain"></div></div>
    <div class="card"><table class="events"><thead><tr><th>#</th><th>${t("box.time")}</th><th>${t("box.type")}</th><th>${t("box.from")}</th><th>${t("box.to")}</th><th>${t("box.setl")}</th><th>${t("box.lot")}</th><th>${t("box.source")}</th></tr></thead>
      <tbody>${h.events.map((e, i) => `<tr class="${flagged.includes(i) ? "bad" : ""}"><td>${i + 1}</td><td class="nowrap">${fmtTime(e.event_time)}</td>
        <td>${esc(tv("evt", e.event_type))}${flagged.includes(i) ? ` <b class="bad">⚠ ${t("box.resale")}</b>` : ""}</td>
        <td>${partyLink(e.from_kind, e.from_code, e.from_name)}</td><td>${partyLink(e.to_kind, e.to_code, e.to_name)}</td>
        <td class="mono">${esc(e.setl_id || "")}</td><td class="mono">${esc(e.manu_lotnum || "")}</td>
        <td>${[e.in_fee_details ? t("box.src_fee_details") : "", e.in_trace ? t("box.src_trace") : ""].filter(Boolean).join("、")}</td></tr>`).join("")}</tbody></table></div>`;
  const kindKey = (p) => (p.kind === "person" ? "person" : p.kind === "supplier" ? "supplier" : /^H/.test(p.code) ? "hospital" : /^P/.test(p.code) ? "pharmacy" : "institution");
  const cy = cytoscape({
    container: $("#box-chain"),
    boxSelectionEnabled: false,
    wheelSensitivity: 0.3,
    elements: [
      ...stops.map((s) => {
        const k = KINDS[kindKey(s.p)];
        return { data: { id: s.id, text: `${t("kind." + kindKey(s.p))}\n${s.p.name || ""}${s.p.name ? "\n" : ""}${s.p.code}`, color: k.color, shape: k.shape, kind: s.p.kind, code: s.p.code } };
      }),
      ...edges.map((e, i) => ({ data: { id: "e" + i, ...e }, classes: [e.gap ? "gap" : "", e.resale ? "resale" : ""].join(" ") })),
    ],
    style: [
      { selector: "node", style: { "background-color": "data(color)", shape: "data(shape)", width: 46, height: 46, label: "data(text)", "text-wrap": "wrap", "text-max-width": 150, "font-size": 12, "text-valign": "bottom", "text-margin-y": 6, "font-family": "'Noto Sans CJK SC', sans-serif" } },
      { selector: "edge", style: { width: 2.5, "line-color": "#7d8ca3", "target-arrow-color": "#7d8ca3", "target-arrow-shape": "triangle", "curve-style": "bezier", label: "data(text)", "text-wrap": "wrap", "font-size": 11, "text-background-color": "#fff", "text-background-opacity": 0.9, "text-background-padding": 2, "text-margin-y": -14 } },
      { selector: "edge.gap", style: { "line-style": "dashed", "line-color": "#e53935", "target-arrow-color": "#e53935", color: "#e53935" } },
      { selector: "edge.resale", style: { "line-color": "#e53935", "target-arrow-color": "#e53935", width: 4, color: "#b71c1c", "font-weight": "bold" } },
    ],
    layout: { name: "dagre", rankDir: "LR", rankSep: 170, nodeSep: 60, edgeSep: 20, padding: 30 },
  });
  cy.on("tap", "node", (e) => {
    const d = e.target.data();
    if (["person", "institution", "supplier"].includes(d.kind)) location.hash = `#/entity/${d.kind}/${encodeURIComponent(d.code)}`;
  });
  window.__boxcy = cy;
  $("#box-png").addEventListener("click", () => dl("box.png", cy.png({ output: "blob", full: true, scale: 2, bg: "#fff" })));
  $("#box-svg").addEventListener("click", () => dl("box.svg", new Blob([cy.svg({ full: true, bg: "#fff" })], { type: "image/svg+xml" })));
}

function dl(name, blob) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function circled(n) { return n <= 20 ? String.fromCharCode(0x2460 + n - 1) : `(${n})`; }

function partyLink(kind, code, name) {
  if (!code) return "";
  const label = `${esc(name || "")} <span class="mono">${esc(code)}</span>`;
  return kind ? `<a href="#/entity/${kind}/${encodeURIComponent(code)}">${label}</a>` : label;
}

// -- entity network -----------------------------------------------------------------------
async function entityView(kind, id) {
  show("entity");
  const root = $("#view-entity");
  root.innerHTML = `<p class="muted">${t("common.loading")}</p>`;
  const [p, sub] = await Promise.all([
    api.get(`/entities/${kind}/${encodeURIComponent(id)}`),
    api.get(`/entities/${kind}/${encodeURIComponent(id)}/neighbourhood`, { hops: 2, max_nodes: 500, per_node: 60 }),
  ]);
  root.innerHTML = `
    <div class="card lead-head"><div>
      <a href="#/leads" class="link back">← ${t("common.back")}</a>
      <h2>${t("entity.title")}: ${esc(t("kind." + (kind === "trace_code" ? "box" : kind === "practitioner" ? "doctor" : kind)))} <span class="mono">${esc(p.name || id)}</span></h2>
      <div>${p.flags.map((f) => `<span class="tag">${esc(flagText(f))}</span>`).join(" ")}
        ${p.leads.map((x) => `<a class="tag" href="#/lead/${encodeURIComponent(x.lead_id)}">${esc(tv("typ", x.typology))} ${esc(x.lead_id)}</a>`).join(" ")}</div>
    </div></div>
    <div id="entity-graph" class="card"></div>`;
  const start = `${kind}:${id}`;
  const graph = new GraphPanel($("#entity-graph"), { members: new Map([[start, "self"]]), cap: 200 });
  window.__graph = graph;
  graph.add(sub);
  graph.render();
}

// -- start --------------------------------------------------------------------------------
function init() {
  setLang(getLang());
  translate();
  langButtons();
  api.setUnauthorizedHandler(showLogin);
  const toggle = () => { setLang(getLang() === "en" ? "zh" : "en"); translate(); langButtons(); if (api.token()) { if (me) whoami(); route(); } };
  $("#lang-switch").addEventListener("click", toggle);
  $("#lang-switch-login").addEventListener("click", toggle);
  $("#logout").addEventListener("click", () => { api.logout(); location.hash = "#/leads"; showLogin(); });
  $("#login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("#login-error").textContent = "";
    try {
      await api.login($("#login-user").value.trim(), $("#login-password").value,
        $("#login-totp").value.trim(), $("#login-purpose").value.trim());
      await whoami();
      route();
    } catch (err) {
      $("#login-error").textContent = err.status === 401 ? t("login.failed") : err.message;
    }
  });
  $("#box-search").addEventListener("submit", (e) => {
    e.preventDefault();
    const code = $("#box-search-code").value.trim();
    if (code) location.hash = "#/box/" + encodeURIComponent(code);
  });
  document.addEventListener("click", (e) => {
    const back = e.target.closest("a.back");
    if (back && history.length > 1) { e.preventDefault(); history.back(); }
  });
  window.addEventListener("hashchange", route);
  route();
}

init();

export { splitId, nodeDate };
