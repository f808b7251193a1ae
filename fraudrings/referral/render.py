"""The package's picture (the ring as a graph, PNG) and its PDF in Chinese.

Both are byte-for-byte deterministic for the same evidence: the layout is
Kamada-Kawai from a circle (no randomness), the PNG has no time stamp, and the PDF is
written in reportlab's invariant mode (fixed creation date and document id).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Final

from fraudrings.referral.fonts import Font
from fraudrings.referral.model import FUND_ZH, FUNDS, Evidence

FONT_NAME: Final[str] = "FraudringsCJK"
ROLE_COLOURS: Final[dict[str, str]] = {
    "organiser": "#c0392b",
    "professional_buyer": "#e67e22",
    "card_lender": "#f1c40f",
    "drug_collector": "#8e44ad",
    "recycling_outlet": "#2980b9",
    "laundering_supplier": "#16a085",
    "institution": "#2c3e50",
    "other": "#7f8c8d",
}
CONTEXT_COLOUR: Final[str] = "#d5d8dc"


# -- the picture ----------------------------------------------------------------------------
def ring_png(ev: Evidence, font: Font) -> bytes:
    import igraph as ig
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D

    fp = FontProperties(fname=str(font.path), size=8)
    keys = sorted({p.key for p in ev.parties} | set(ev.context))
    index = {k: i for i, k in enumerate(keys)}
    g = ig.Graph(n=len(keys))
    edges = [(index[lk.a], index[lk.b]) for lk in ev.links if lk.a in index and lk.b in index]
    g.add_edges(edges)
    if len(keys) > 1:
        coords = g.layout_kamada_kawai(seed=g.layout_circle().coords, maxiter=2000).coords
    else:
        coords = [[0.0, 0.0]] * len(keys)
    fig = Figure(figsize=(8, 6), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.90))
    ax.set_axis_off()
    for lk in ev.links:
        if lk.a not in index or lk.b not in index:
            continue
        (x1, y1), (x2, y2) = coords[index[lk.a]], coords[index[lk.b]]
        ax.plot(
            [x1, x2], [y1, y2], color="#95a5a6", linewidth=0.8 + 0.3 * min(lk.count, 5), zorder=1
        )
        label = lk.label + (f"×{lk.count}" if lk.count > 1 else "")
        ax.text(
            (x1 + x2) / 2,
            (y1 + y2) / 2,
            label,
            fontproperties=fp,
            fontsize=6,
            color="#555555",
            ha="center",
            va="center",
            zorder=2,
        )
    parties = {p.key: p for p in ev.parties}
    for k in keys:
        x, y = coords[index[k]]
        p = parties.get(k)
        if p is not None:
            colour = ROLE_COLOURS.get(p.role, ROLE_COLOURS["other"])
            text = f"{p.role_zh}\n{p.name or ''} {p.id}"
            size = 260
        else:
            colour = CONTEXT_COLOUR
            text = ("药盒 …" if k.startswith("trace_code:") else "") + ev.context[k]
            size = 90
        ax.scatter([x], [y], s=size, color=colour, edgecolors="#333333", linewidths=0.5, zorder=3)
        ax.text(x, y - 0.12, text, fontproperties=fp, ha="center", va="top", zorder=4)
    if keys:
        xs = [c[0] for c in coords]
        ys = [c[1] for c in coords]
        ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
        ax.set_ylim(min(ys) - 0.8, max(ys) + 0.5)
    handles = [
        Line2D(
            [0],
            [0],
            marker="o",
            linestyle="",
            markerfacecolor=ROLE_COLOURS[r],
            markeredgecolor="#333333",
            label=z,
        )
        for r, z in sorted({(p.role, p.role_zh) for p in ev.parties})
    ]
    if handles:
        ax.legend(
            handles=handles,
            prop=fp,
            loc="upper left",
            frameon=False,
            ncol=4,
            bbox_to_anchor=(0.0, 1.08),
        )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


# -- the PDF --------------------------------------------------------------------------------
def register_font(font: Font) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(font.path), subfontIndex=font.subfont))
    return FONT_NAME


def fraud_relation(ev: Evidence) -> str:
    """How the legal total relates to the case amount (the personal account)."""
    acct = ev.totals.acct if ev.jurisdiction.includes_personal_account else 0.0
    if abs(acct) < 0.005:
        return f"涉案金额 {money(ev.case_amount)}"
    return f"涉案金额 {money(ev.case_amount)} + 个人账户支付 {money(acct)}"


def related_text(ev: Evidence) -> str:
    r = ev.related
    return (
        f"{r.settlements} 笔结算,医疗费 {money(r.medfee)} 元,其中基金支付 {money(r.fund)} 元、"
        f"个人账户 {money(r.acct)} 元、个人现金 {money(r.cash)} 元"
    )


def money(x: float) -> str:
    return f"{x:,.2f}"


def pdf(ev: Evidence, png: bytes, font: Font, files: Sequence[str]) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    name = register_font(font)
    body = ParagraphStyle("body", fontName=name, fontSize=9.5, leading=14, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=10)
    cell = ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9.5)
    h1 = ParagraphStyle(
        "h1", parent=body, fontSize=16, leading=22, alignment=TA_CENTER, spaceAfter=6
    )
    h2 = ParagraphStyle("h2", parent=body, fontSize=12, leading=17, spaceBefore=10, spaceAfter=4)
    quote = ParagraphStyle(
        "quote", parent=body, leftIndent=12, textColor=colors.HexColor("#333333")
    )

    def P(text: Any, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(str(text if text is not None else "")), style)

    def table(header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
        data = [[P(h, cell) for h in header]] + [[P(c, cell) for c in r] for r in rows]
        t = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return t

    lead = ev.lead
    j = ev.jurisdiction
    parties = {p.key: p for p in ev.parties}
    story: list[Any] = [
        P("涉嫌骗取医疗保障基金案件移送材料", h1),
        P(
            "(行政执法与刑事司法衔接 · 移送公安机关)",
            ParagraphStyle("sub", parent=body, alignment=TA_CENTER),
        ),
        Spacer(1, 4 * mm),
        table(
            ["项目", "内容"],
            [
                ["线索编号", lead.lead_id],
                ["线索类型", f"{lead.typology_zh}({lead.typology})"],
                ["管辖地区", f"{lead.region or '-'}({j.name})"],
                ["发生期间", f"{lead.first_seen or '-'} 至 {lead.last_seen or '-'}"],
                ["涉案人员/单位", f"{len(ev.parties)} 个"],
                ["涉案金额(基金支付)", f"{money(ev.case_amount)} 元"],
                ["认定诈骗金额合计", f"{money(ev.total_fraud_amount)} 元({fraud_relation(ev)})"],
                ["关联结算总额", related_text(ev)],
                ["线索评分", f"{lead.score:.2f}"],
                ["证据版本(SHA-256)", ev.evidence_version],
            ],
            [40, 130],
        ),
        P("一、案件概要", h2),
        P(
            f"经医保基金监管数据分析,线索 {lead.lead_id} 涉嫌{lead.typology_zh}。"
            f"{lead.first_seen or ''} 至 {lead.last_seen or ''} 期间,涉及 "
            f"{sum(1 for p in ev.parties if p.kind == 'person')} 名人员、"
            f"{sum(1 for p in ev.parties if p.kind != 'person')} 家机构/单位,"
            f"涉案金额(基金为可疑部分支付的金额){money(ev.case_amount)} 元,"
            f"按下文规则认定诈骗金额合计 {money(ev.total_fraud_amount)} 元。主要依据:"
        ),
    ]
    for r in lead.reasons:
        story.append(P(f"· {r.get('text', '')}"))
    story += [
        P("二、涉案人员及单位(完整身份信息)", h2),
        P("本材料为移送公安机关专用,以下身份信息未做脱敏处理,请依法妥善保管。", small),
    ]
    story.append(
        table(
            ["角色", "类别", "编号", "姓名/名称", "证件号/代码", "电话", "地址", "地区", "其他"],
            [
                [
                    p.role_zh,
                    {
                        "person": "人员",
                        "institution": "定点机构",
                        "supplier": "企业",
                        "practitioner": "医师",
                    }.get(p.kind, p.kind),
                    p.id,
                    p.name or "-",
                    p.certno or "-",
                    p.tel or "-",
                    p.addr or "-",
                    p.region or "-",
                    (p.detail or "") + (f";出生 {p.brdy}" if p.brdy else ""),
                ]
                for p in ev.parties
            ],
            [20, 12, 20, 18, 28, 19, 22, 12, 25],
        )
    )
    story += [
        P("三、涉案金额及认定规则", h2),
        P(
            f"涉案金额 {money(ev.case_amount)} 元:基金(统筹基金、大病保险、医疗救助)为线索可疑"
            "部分支付的金额,每笔结算或药盒只计一次,与线索列表及线索页面所示金额为同一数字。"
            f"认定诈骗金额合计 {money(ev.total_fraud_amount)} 元 = {fraud_relation(ev)}。"
            f"关联结算总额:{related_text(ev)},包括可疑部分及其前后相关的结算,仅供参考。"
        ),
        P("认定规则:" + ev.rule, small),
        Spacer(1, 2 * mm),
    ]
    rows = []
    for a in ev.amounts:
        p = parties[a.party]
        rows.append(
            [f"{p.role_zh}\n{p.name or ''} {p.id}"]
            + [money(getattr(a.funds, f)) for f in FUNDS]
            + [money(a.fraud_amount), money(a.drug_trade_value), a.highest or "未达立案标准"]
        )
    rows.append(
        ["合计(去重)"]
        + [money(getattr(ev.totals, f)) for f in FUNDS]
        + [money(ev.total_fraud_amount), "", ""]
    )
    story.append(
        table(
            ["人员/单位"]
            + [FUND_ZH[f] for f in FUNDS]
            + ["诈骗金额", "收购/销售骗保药品金额", "达到的标准"],
            rows,
            [34, 18, 16, 16, 16, 20, 22, 36],
        )
    )
    story.append(Spacer(1, 2 * mm))
    for a in ev.amounts:
        if not a.workings:
            continue
        p = parties[a.party]
        story.append(P(f"{p.role_zh} {p.name or ''} {p.id} 计算过程:", small))
        for w in a.workings[:60]:
            story.append(P(f"  · {w}", small))
        if len(a.workings) > 60:
            story.append(P(f"  · ……其余 {len(a.workings) - 60} 项见 amounts.csv", small))
    story += [P("四、法律依据及立案追诉标准", h2)]
    story.append(
        table(
            ["标准", f"{j.name} 认定数额(元)", "依据"],
            [
                ["诈骗罪 数额较大", money(j.relatively_large), ev.provisions["fraud"]["article"]],
                ["诈骗罪 数额巨大", money(j.huge), ev.provisions["fraud"]["article"]],
                [
                    "诈骗罪 数额特别巨大",
                    money(j.especially_huge),
                    ev.provisions["fraud"]["article"],
                ],
                [
                    "明知是骗保药品而非法收购、销售",
                    money(j.drug_trade),
                    ev.provisions["drug_trade"]["article"],
                ],
            ],
            [50, 35, 85],
        )
    )
    if j.note:
        story.append(P(f"注:{j.note}", small))
    story.append(
        P(
            "诈骗金额" + ("含" if j.includes_personal_account else "不含") + "个人账户支付部分。",
            small,
        )
    )
    for key in ("fraud", "concealment", "drug_trade"):
        pv = ev.provisions[key]
        story.append(P(pv["article"] + ":", body))
        story.append(P(f"“{pv['text']}”", quote))
    story.append(
        P("(以上条文为可配置的摘录文本,见 referral/thresholds.toml,以现行有效文本为准。)", small)
    )
    crossed_rows = []
    for a in ev.amounts:
        p = parties[a.party]
        for c in a.crossed:
            crossed_rows.append(
                [
                    f"{p.name or ''} {p.id}",
                    p.role_zh,
                    c.tier_zh,
                    money(c.amount),
                    money(c.figure),
                    ev.provisions[c.provision]["article"],
                ]
            )
    story.append(Spacer(1, 2 * mm))
    if crossed_rows:
        story.append(
            table(
                ["人员/单位", "角色", "达到的标准", "认定金额", "标准数额", "依据"],
                crossed_rows,
                [30, 26, 30, 20, 20, 44],
            )
        )
    else:
        story.append(
            P(
                "按上述标准,涉案人员个人金额均未达到数额较大标准;请结合多次实施、"
                "共同犯罪等情节综合判断。"
            )
        )
    story += [PageBreak(), P("五、时间线", h2)]
    story.append(
        table(
            ["时间", "事项"], [[t.time.replace("T", " "), t.text] for t in ev.timeline], [32, 138]
        )
    )
    story += [P("六、关系图", h2)]
    img = Image(io.BytesIO(png), width=170 * mm, height=127.5 * mm)
    story.append(KeepTogether([img, P("图:涉案人员、机构及回流药盒的关联(ring.png)", small)]))
    story += [PageBreak(), P("七、证据清单", h2), P("(一)结算记录", body)]
    story.append(
        table(
            [
                "结算号",
                "人员",
                "机构",
                "类别",
                "时间",
                "医疗费",
                "统筹",
                "大病",
                "救助",
                "个账",
                "诊断",
            ],
            [
                [
                    s.setl_id,
                    s.psn_no,
                    s.fixmedins_code,
                    s.med_type,
                    (s.setl_time or s.begntime or "").replace("T", " "),
                    money(s.medfee_sumamt),
                    money(s.hifp_pay),
                    money(s.hifmi_pay),
                    money(s.maf_pay),
                    money(s.acct_pay),
                    s.dise_codg or "",
                ]
                for s in ev.settlements
            ],
            [16, 12, 22, 8, 24, 16, 15, 13, 13, 13, 18],
        )
    )
    story.append(P("(二)费用明细", body))
    story.append(
        table(
            ["明细号", "结算号", "药品/项目", "数量", "单价", "金额", "医师", "追溯码"],
            [
                [
                    ln.feedetl_sn,
                    ln.setl_id,
                    f"{ln.drug_name or ''}({ln.med_list_codg})",
                    f"{ln.cnt:g}",
                    money(ln.pric),
                    money(ln.amount),
                    ln.dr or "",
                    ";".join(ln.codes),
                ]
                for ln in ev.lines
            ],
            [16, 16, 28, 10, 16, 18, 20, 46],
        )
    )
    if ev.box_events:
        story.append(P("(三)药盒追溯记录", body))
        story.append(
            table(
                ["追溯码", "事件", "时间", "来源", "去向", "结算号"],
                [
                    [
                        e.code,
                        e.event_type,
                        (e.event_time or "").replace("T", " "),
                        f"{e.from_code or '-'}",
                        f"{e.to_code or '-'}",
                        e.setl_id or "",
                    ]
                    for e in ev.box_events
                ],
                [40, 20, 30, 30, 30, 20],
            )
        )
    story.append(P("(四)模型证据条目", body))
    for e in lead.evidence:
        story.append(P(f"· {e}", small))
    story.append(P("(五)随附电子文件(完整性见 manifest.json 与 SHA256SUMS)", body))
    for f in files:
        story.append(P(f"· {f}", small))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(name, 7)
        canvas.drawString(
            15 * mm,
            10 * mm,
            f"线索 {lead.lead_id} · 证据版本 {ev.evidence_version[:16]} · 移送材料,注意保密",
        )
        canvas.drawRightString(195 * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"移送材料 {lead.lead_id}",
        author="fraudrings",
        subject=f"evidence {ev.evidence_version}",
        creator="fraudrings referral",
        invariant=1,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
