// Interface text in Chinese (default) and English. Data values are shown as the API
// returns them (masked per role by the API itself).

const zh = {
  "app.title": "医保基金欺诈团伙研判工作台",
  "nav.queue": "线索队列",
  "nav.box": "查追溯码",
  "nav.box_placeholder": "输入药品追溯码",
  "nav.logout": "退出",
  "login.user": "用户名",
  "login.password": "密码",
  "login.totp": "动态验证码",
  "login.purpose": "查询事由或案件编号",
  "login.submit": "登录",
  "login.failed": "用户名、密码或验证码错误",
  "lang.other": "English",
  "common.all": "全部",
  "common.loading": "加载中…",
  "common.none": "无",
  "common.more": "显示更多",
  "common.back": "返回",
  "common.apply": "筛选",
  "common.reset": "重置",
  "common.error": "出错了",
  "common.prev": "上一页",
  "common.next": "下一页",
  "common.open": "打开",
  "common.close": "关闭",
  "role.analyst": "分析员", "role.investigator": "调查员", "role.supervisor": "主管", "role.admin": "管理员",
  "role.sysadmin": "系统管理员", "role.secadmin": "安全管理员", "role.auditor": "安全审计员",
  "queue.title": "线索队列",
  "queue.typology": "类型", "queue.region": "区划", "queue.min_score": "最低评分",
  "queue.min_amount": "最低涉案金额", "queue.status": "状态", "queue.assignee": "负责人",
  "queue.mine": "只看我的", "queue.sort": "排序", "queue.order": "顺序",
  "queue.desc": "降序", "queue.asc": "升序",
  "queue.score": "评分", "queue.lead": "线索", "queue.members": "成员",
  "queue.amount": "涉案金额", "queue.period": "时间范围", "queue.actions": "操作",
  "queue.claim": "认领", "queue.claimed": "已认领", "queue.count": "共 {n} 条",
  "queue.empty": "没有符合条件的线索",
  "sort.score": "评分", "sort.amount_at_risk": "涉案金额", "sort.first_seen": "首次发现",
  "sort.last_seen": "最近发现", "sort.member_count": "成员数", "sort.detected_at": "检测时间",
  "sort.lead_id": "线索编号",
  "status.new": "新线索", "status.in_review": "核查中", "status.confirmed": "已确认",
  "status.dismissed": "已排除", "status.referred": "已移送",
  "typ.prescription_buyer": "职业开药人", "typ.recycled_drug": "倒卖回流药",
  "typ.inpatient_recruitment": "拉拢住院", "typ.card_pooling": "冒用/借用医保卡",
  "typ.spatiotemporal": "时空异常", "typ.deceased_claims": "死亡人员结算",
  "typ.split_admission": "分解住院",
  "kind.person": "参保人", "kind.hospital": "医院", "kind.pharmacy": "药店",
  "kind.platform": "网售平台", "kind.institution": "机构", "kind.doctor": "医师",
  "kind.supplier": "供应商", "kind.box": "药盒", "kind.settlement": "结算",
  "kind.event": "流转事件", "kind.feeline": "费用明细", "kind.phone": "电话",
  "kind.address": "地址", "kind.drug": "药品", "kind.terminal": "终端", "kind.lead": "线索",
  "kind.other": "其他",
  "amount.detail": "明细", "amount.title": "涉案金额明细", "amount.case": "涉案金额",
  "amount.definition": "基金（统筹基金、大病保险、医疗救助）为可疑部分支付的金额，每笔结算或药盒只计一次；线索列表、本页与移送材料为同一数字",
  "amount.legal": "移送材料认定诈骗金额合计", "amount.acct": "个人账户", "amount.related": "关联结算总额（基金及个人账户支付）",
  "amount.settlements": "笔结算", "amount.medfee": "医疗费", "amount.fund": "基金支付",
  "amount.shares": "各成员计入的部分（机构、组织者计入全部，合计按每项只计一次）",
  "amount.party": "成员", "amount.role": "角色", "amount.items": "计算过程", "amount.rule": "认定规则",
  "lead.score": "评分", "lead.amount": "涉案金额（基金支付）", "lead.period": "时间范围",
  "lead.region": "区划", "lead.assignee": "负责人", "lead.status": "状态",
  "lead.members": "成员", "lead.reasons": "研判依据", "lead.factor": "指标",
  "lead.value": "数值", "lead.weight": "权重", "lead.explain": "说明",
  "lead.evidence": "证据", "lead.timeline": "时间线", "lead.workflow": "处置",
  "lead.history": "处置记录", "lead.to_status": "变更为", "lead.note": "备注",
  "lead.note_placeholder": "填写处置说明（必填建议）", "lead.submit": "提交",
  "lead.add_note": "仅添加备注", "lead.no_transition": "当前无可执行的状态变更",
  "lead.changed": "已更新", "lead.inactive": "本次检测未再发现",
  "lead.refer_hint": "已确认的线索由主管生成移送材料后转为“已移送”",
  "ref.create": "生成移送材料并移送公安", "ref.creating": "正在生成移送材料…",
  "ref.created": "已生成移送材料，线索已移送", "ref.package": "移送材料",
  "ref.id": "移送编号", "ref.by": "移送人", "ref.hash": "材料包哈希（SHA-256）",
  "ref.hash_note": "材料包哈希为 SHA256SUMS 文件的 SHA-256，可用 sha256sum -c SHA256SUMS 核验各文件",
  "ref.f_pdf": "移送书（PDF）", "ref.f_ring": "团伙关系图", "ref.f_json": "证据数据",
  "ref.f_manifest": "文件清单", "ref.f_sums": "校验和", "ref.f_csv": "证据表",
  "ref.none": "尚无移送材料", "ref.supervisors_only": "移送材料仅主管及管理员可下载",
  "ref.earlier": "另有 {n} 份较早的移送材料",
  "ev.kind": "类别", "ev.text": "内容", "ev.box": "药盒", "ev.settlement": "结算",
  "ev.link": "关联", "ev.pattern": "购药模式", "ev.person": "人员", "ev.other": "其他",
  "ev.click": "点击证据行可在图中高亮相关节点",
  "graph.kinds": "节点类型", "graph.from": "起", "graph.to": "止",
  "graph.fit": "适应窗口", "graph.relayout": "重新布局", "graph.merge": "合并事件为连线",
  "graph.png": "导出 PNG", "graph.svg": "导出 SVG",
  "graph.shown": "显示 {n} / {m} 个节点", "graph.truncated": "（服务端已截断事件）",
  "graph.parties": "全部 {p} 个参与方（其中成员 {m} 个）均已显示", "graph.events": "；事件 {n} / {m}",
  "graph.folded_boxes": "，另有 {n} 个药盒已并入连线（见成员列表）",
  "graph.expand": "展开邻居", "graph.expanding": "展开中…", "graph.expanded": "新增 {n} 个节点",
  "graph.boxhistory": "追溯码历史", "graph.center": "居中", "graph.profile": "档案",
  "graph.open_entity": "查看关系网", "graph.evidence_on": "高亮证据路径",
  "graph.hint": "单击节点查看档案，滚轮缩放，拖动平移",
  "profile.flags": "标记", "profile.leads": "相关线索", "profile.degree": "关系",
  "profile.props": "属性", "profile.region": "区划", "profile.role": "角色",
  "tl.admissions": "住院", "tl.settlements": "结算", "tl.boxes": "药盒流转",
  "tl.waves": "入院波次", "tl.empty": "无带日期的事件",
  "box.title": "追溯码流转链", "box.drug": "药品", "box.events": "流转事件",
  "box.time": "时间", "box.type": "类型", "box.from": "来源", "box.to": "去向",
  "box.setl": "结算号", "box.lot": "批号", "box.source": "数据来源",
  "box.resale": "二次销售", "box.gap": "未记录的回流", "box.truncated": "事件过多，已截断",
  "box.notfound": "未找到该追溯码（或不在您的辖区内）",
  "evt.purchase": "采购入库", "evt.sale": "销售", "evt.return": "退货",
  "evt.supplier_return": "退回供应商", "evt.transfer": "调拨", "evt.recall": "召回",
  "entity.title": "关系网",
  "role_m.buyer": "购药人", "role_m.recycler": "回收倒卖方", "role_m.launderer": "洗白供应商",
  "role_m.resold_box": "二次销售药盒", "role_m.recruited_patient": "被拉拢住院人",
  "role_m.institution": "涉事机构", "role_m.recruiter": "招揽人",
  "role_m.prescriber": "开方医师", "role_m.self": "当前对象",
  "role_m.deceased_insured": "死亡参保人", "role_m.card_holder": "持卡人", "role_m.card_user": "冒用人", "role_m.place": "机构", "role_m.recruit": "被拉拢人",
  "rel.SETTLED": "结算", "rel.AT": "就诊于", "rel.TREATED_BY": "接诊医师",
  "rel.VIA_TERMINAL": "终端", "rel.HAS_LINE": "明细", "rel.REVERSES": "冲销",
  "rel.FOR_DRUG": "药品", "rel.PRESCRIBED_BY": "开方", "rel.DISPENSED": "发药",
  "rel.WORKS_AT": "执业于", "rel.HAS_PHONE": "电话", "rel.LIVES_AT": "住址",
  "rel.HAS_EVENT": "流转", "rel.FROM": "出", "rel.TO": "入", "rel.FOR_SETTLEMENT": "对应结算",
  "map.title": "时空异常：不可能的两地结算", "map.none": "证据中没有成对的结算",
  "map.no_coords": "相关机构没有坐标", "map.trip": "{km} 公里 · 间隔 {h} 小时（至少需 {need} 小时）×{n}",
  "map.from": "前一次结算", "map.to": "后一次结算", "map.km": "距离（公里）",
  "map.hours": "间隔（小时）", "map.need": "最短所需（小时）",
  "rel.INVOLVES": "涉及", "rel.USED_TERMINAL": "刷卡终端", "rel.MOVED": "经手", "rel.VISITED": "就诊/购药",  "role.institution": "定点机构",
  "action.transition": "变更状态", "action.assign": "指派", "action.note": "备注",
  "job.ingest": "数据导入", "job.detect": "检测",
  "job_state.queued": "排队中", "job_state.running": "运行中", "job_state.succeeded": "已完成",
  "job_state.failed": "失败", "job_state.interrupted": "已中断",
  "kind.practitioner": "医师", "kind.trace_code": "药盒（追溯码）", "kind.fee_line": "费用明细",
  "kind.box_event": "流转事件", "kind.lead_change": "处置记录",
  "role_m.card_lender": "出借医保卡人", "role_m.pooling_outlet": "集中刷卡点", "role_m.patient": "患者",
  "ev.institution": "机构", "ev.terminal": "终端",
  "factor.ratio": "超量倍数", "factor.overlap": "重叠处方", "factor.prescribers": "开方医师数",
  "factor.institutions": "结算机构数", "factor.resold": "药盒回流再售", "factor.coordination": "协同迹象",
  "factor.boxes": "回流药盒", "factor.sellers": "销售方", "factor.laundering": "洗白进货",
  "factor.speed": "回流再售速度", "factor.resold_boxes": "再次销售药盒数", "factor.laundering_purchases": "洗白进货次数",
  "factor.median_days_to_resale": "回流至再售中位天数",
  "factor.waves": "入院批次", "factor.wave_size": "每批人数", "factor.simultaneous": "同时入院",
  "factor.short_stays": "短期住院", "factor.same_diagnosis": "诊断集中", "factor.shared_origin": "同村同址或共用电话",
  "factor.profile": "人群特征", "factor.institution_share": "占机构入院比例", "factor.far_from_home": "异地参保",
  "factor.shared_recruiter_phone": "共用招揽人电话",
  "factor.cards": "刷卡人数", "factor.sessions": "刷卡批次日", "factor.same_basket": "药品组合相同",
  "factor.strangers": "非本店常客", "factor.odd_hours": "非常规时段", "factor.density": "同批刷卡密度",
  "factor.far_cards": "外地卡数", "factor.uses": "每卡结算次数", "factor.home_between": "期间仍在参保地就医",
  "factor.bursts": "集中刷卡次数", "factor.burst_size": "每次刷卡人数",
  "factor.surge": "陌生卡集中到店", "factor.surge_windows": "集中到店次数",
  "factor.basket_sessions": "同药批次", "factor.cards_per_session": "每批人数",
  "factor.impossible_trips": "不可能行程", "factor.shortfall": "时间缺口", "factor.distance": "两地距离",
  "factor.max_implied_kmh": "最高隐含时速",
  "factor.settlements_after_death": "死亡后结算", "factor.max_days_after_death": "死亡后最长天数",
  "factor.readmissions": "再入院次数", "factor.patients": "患者数", "factor.min_gap_days": "最短间隔天数",
  "factor.changed_diagnosis": "更换诊断",
};

const en = {
  "app.title": "Fraud-ring investigator workbench",
  "nav.queue": "Lead queue", "nav.box": "Trace code", "nav.box_placeholder": "traceability code",
  "nav.logout": "Sign out",
  "login.user": "Username", "login.password": "Password", "login.submit": "Sign in",
  "login.failed": "Wrong username, password or code", "lang.other": "中文",
  "login.totp": "Authenticator code", "login.purpose": "Purpose or case number",
  "common.all": "All", "common.loading": "Loading…", "common.none": "None",
  "common.more": "Show more", "common.back": "Back", "common.apply": "Filter",
  "common.reset": "Reset", "common.error": "Error", "common.prev": "Previous",
  "common.next": "Next", "common.open": "Open", "common.close": "Close",
  "role.analyst": "analyst", "role.investigator": "investigator", "role.supervisor": "supervisor",
  "role.admin": "admin",
  "role.sysadmin": "system administrator", "role.secadmin": "security administrator",
  "role.auditor": "security auditor",
  "queue.title": "Lead queue", "queue.typology": "Typology", "queue.region": "Region",
  "queue.min_score": "Min score", "queue.min_amount": "Min amount", "queue.status": "Status",
  "queue.assignee": "Assignee", "queue.mine": "Mine only", "queue.sort": "Sort",
  "queue.order": "Order", "queue.desc": "Descending", "queue.asc": "Ascending",
  "queue.score": "Score", "queue.lead": "Lead", "queue.members": "Members",
  "queue.amount": "Amount at risk", "queue.period": "Period", "queue.actions": "Actions",
  "queue.claim": "Claim", "queue.claimed": "Claimed", "queue.count": "{n} leads",
  "queue.empty": "No lead matches",
  "sort.score": "score", "sort.amount_at_risk": "amount at risk", "sort.first_seen": "first seen",
  "sort.last_seen": "last seen", "sort.member_count": "members", "sort.detected_at": "detected",
  "sort.lead_id": "lead id",
  "status.new": "New", "status.in_review": "In review", "status.confirmed": "Confirmed",
  "status.dismissed": "Dismissed", "status.referred": "Referred",
  "typ.prescription_buyer": "Prescription buyer", "typ.recycled_drug": "Recycled drug",
  "typ.inpatient_recruitment": "Inpatient recruitment", "typ.card_pooling": "Card pooling",
  "typ.spatiotemporal": "Spatio-temporal", "typ.deceased_claims": "Deceased claims",
  "typ.split_admission": "Split admission",
  "kind.person": "Person", "kind.hospital": "Hospital", "kind.pharmacy": "Pharmacy",
  "kind.platform": "Online platform", "kind.institution": "Institution", "kind.doctor": "Doctor",
  "kind.supplier": "Supplier", "kind.box": "Box", "kind.settlement": "Settlement",
  "kind.event": "Box event", "kind.feeline": "Fee line", "kind.phone": "Phone",
  "kind.address": "Address", "kind.drug": "Drug", "kind.terminal": "Terminal", "kind.lead": "Lead",
  "kind.other": "Other",
  "amount.detail": "breakdown", "amount.title": "Amount at risk, item by item", "amount.case": "Amount at risk",
  "amount.definition": "what the fund (pooled, critical illness, assistance) paid for the suspect part, each settlement or box once; the queue, this page and the referral show the same figure",
  "amount.legal": "Referral's fraud total", "amount.acct": "personal account", "amount.related": "Related settlements total (fund and personal account)",
  "amount.settlements": "settlements", "amount.medfee": "medical cost", "amount.fund": "fund paid",
  "amount.shares": "each member's part (institutions and organisers carry all; the total counts each item once)",
  "amount.party": "Member", "amount.role": "Role", "amount.items": "Workings", "amount.rule": "Rule",
  "lead.score": "Score", "lead.amount": "Amount at risk (fund share)", "lead.period": "Period",
  "lead.region": "Region", "lead.assignee": "Assignee", "lead.status": "Status",
  "lead.members": "Members", "lead.reasons": "Reasons", "lead.factor": "Factor",
  "lead.value": "Value", "lead.weight": "Weight", "lead.explain": "Explanation",
  "lead.evidence": "Evidence", "lead.timeline": "Timeline", "lead.workflow": "Workflow",
  "lead.history": "History", "lead.to_status": "Move to", "lead.note": "Note",
  "lead.note_placeholder": "Why (recommended)", "lead.submit": "Submit",
  "lead.add_note": "Add note only", "lead.no_transition": "No status change available to you",
  "lead.changed": "Updated", "lead.inactive": "not found again by the last detection run",
  "lead.refer_hint": "A supervisor refers a confirmed lead by making its referral package",
  "ref.create": "Make the referral package and refer", "ref.creating": "Making the package…",
  "ref.created": "Package made; the lead is referred", "ref.package": "Referral package",
  "ref.id": "Referral id", "ref.by": "Referred by", "ref.hash": "Package hash (SHA-256)",
  "ref.hash_note": "The package hash is the SHA-256 of SHA256SUMS; sha256sum -c SHA256SUMS checks each file",
  "ref.f_pdf": "Referral letter (PDF)", "ref.f_ring": "Ring picture", "ref.f_json": "Evidence data",
  "ref.f_manifest": "Manifest", "ref.f_sums": "Checksums", "ref.f_csv": "Evidence table",
  "ref.none": "No referral package yet", "ref.supervisors_only": "Supervisors and admins download referral packages",
  "ref.earlier": "{n} earlier package(s)",
  "ev.kind": "Kind", "ev.text": "Line", "ev.box": "Box", "ev.settlement": "Settlement",
  "ev.link": "Link", "ev.pattern": "Pattern", "ev.person": "Person", "ev.other": "Other",
  "ev.click": "Click a line to highlight its nodes in the graph",
  "graph.kinds": "Node kinds", "graph.from": "From", "graph.to": "To", "graph.fit": "Fit",
  "graph.relayout": "Re-layout", "graph.merge": "Merge events into edges",
  "graph.png": "Export PNG", "graph.svg": "Export SVG",
  "graph.shown": "showing {n} / {m} nodes", "graph.truncated": " (events cut by the server)",
  "graph.parties": "all {p} parties shown ({m} members)", "graph.events": "; events {n} / {m}",
  "graph.folded_boxes": ", {n} more boxes folded into the edges (see the members)",
  "graph.expand": "Expand neighbours", "graph.expanding": "Expanding…",
  "graph.expanded": "{n} nodes added", "graph.boxhistory": "Box history",
  "graph.center": "Center", "graph.profile": "Profile", "graph.open_entity": "Open network",
  "graph.evidence_on": "Highlight evidence",
  "graph.hint": "Click a node for its profile; wheel to zoom, drag to pan",
  "profile.flags": "Flags", "profile.leads": "Leads", "profile.degree": "Relationships",
  "profile.props": "Properties", "profile.region": "Region", "profile.role": "Role",
  "tl.admissions": "Admissions", "tl.settlements": "Settlements", "tl.boxes": "Box movements",
  "tl.waves": "Admission waves", "tl.empty": "No dated event",
  "box.title": "Box journey", "box.drug": "Drug", "box.events": "Movements",
  "box.time": "Time", "box.type": "Type", "box.from": "From", "box.to": "To",
  "box.setl": "Settlement", "box.lot": "Lot", "box.source": "Source",
  "box.resale": "second sale", "box.gap": "unrecorded return", "box.truncated": "too many events, cut",
  "box.notfound": "No such traceability code (or outside your region)",
  "evt.purchase": "purchase", "evt.sale": "sale", "evt.return": "return",
  "evt.supplier_return": "supplier return", "evt.transfer": "transfer", "evt.recall": "recall",
  "entity.title": "Network",
  "role_m.buyer": "buyer", "role_m.recycler": "recycler", "role_m.launderer": "launderer",
  "role_m.resold_box": "resold box", "role_m.recruited_patient": "recruited patient",
  "role_m.institution": "institution", "role_m.recruiter": "recruiter",
  "role_m.prescriber": "prescriber", "role_m.self": "this entity",
  "role_m.deceased_insured": "deceased insured", "role_m.card_holder": "card holder", "role_m.card_user": "card user", "role_m.place": "place", "role_m.recruit": "recruit",
  "rel.SETTLED": "settled", "rel.AT": "at", "rel.TREATED_BY": "treated by",
  "rel.VIA_TERMINAL": "terminal", "rel.HAS_LINE": "line", "rel.REVERSES": "reverses",
  "rel.FOR_DRUG": "drug", "rel.PRESCRIBED_BY": "prescribed by", "rel.DISPENSED": "dispensed",
  "rel.WORKS_AT": "works at", "rel.HAS_PHONE": "phone", "rel.LIVES_AT": "lives at",
  "rel.HAS_EVENT": "event", "rel.FROM": "from", "rel.TO": "to", "rel.FOR_SETTLEMENT": "settlement",
  "map.title": "Impossible travel: settlement pairs too far apart in time",
  "map.none": "No settlement pair in the evidence", "map.no_coords": "The institutions have no coordinates",
  "map.trip": "{km} km · {h} h apart (needs {need} h) ×{n}", "map.from": "Earlier settlement",
  "map.to": "Later settlement", "map.km": "Distance (km)", "map.hours": "Apart (h)", "map.need": "Needs at least (h)",
  "rel.INVOLVES": "involves", "rel.USED_TERMINAL": "card used at", "rel.MOVED": "handled", "rel.VISITED": "settled at",  "role.institution": "institution",
  "kind.practitioner": "Practitioner", "kind.trace_code": "Box (trace code)", "kind.fee_line": "Fee line",
  "kind.box_event": "Box event", "kind.lead_change": "Workflow step",
  "role_m.card_lender": "card lender", "role_m.pooling_outlet": "pooling outlet", "role_m.patient": "patient",
  "ev.institution": "Institution", "ev.terminal": "Terminal",
};

const DICTS = { zh, en };
let lang = localStorage.getItem("fr.lang") === "en" ? "en" : "zh";

export function getLang() { return lang; }

export function setLang(l) {
  lang = l === "en" ? "en" : "zh";
  localStorage.setItem("fr.lang", lang);  // a preference, not a secret
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
}

/** The text for key, with {name} placeholders filled; unknown keys fall back to fallback. */
export function t(key, vars = {}, fallback = undefined) {
  let s = DICTS[lang][key] ?? zh[key] ?? (fallback !== undefined ? fallback : key);
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** Whether the Chinese table holds key (every shown word has a label there). */
export function has(key) { return key in zh; }

/** Translate a value of a family ("status", "typ", "role_m"...), or show it raw. */
export function tv(family, value) {
  if (value === null || value === undefined || value === "") return "";
  return t(`${family}.${value}`, {}, String(value));
}

/** Fill every [data-i18n] / [data-i18n-placeholder] element under root. */
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  document.title = t("app.title");
}

/** Yuan with cents (amounts are compared with the referral's, to the cent); digits=0
 * for the graph's compact edge labels. */
export function fmtMoney(v, digits = 2) {
  if (v === null || v === undefined) return "—";
  return "¥" + Number(v).toLocaleString(lang === "en" ? "en-US" : "zh-CN", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function fmtDate(v) {
  if (!v) return "";
  return String(v).slice(0, 10);
}

export function fmtTime(v) {
  if (!v) return "";
  return String(v).replace("T", " ").slice(0, 16);
}
