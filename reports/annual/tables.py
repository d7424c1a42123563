"""The figures laid out as tables, once, for every output: the CSV, the xlsx and the PDF
print the same rows in the same order, and the manager's home prints the headline."""

from __future__ import annotations

from dataclasses import dataclass

from .figures import AnnualFigures, Breakdown

MISSING = "—"  # not "-": a cell starting with "-" would be read as a formula


@dataclass(frozen=True)
class Indicator:
    """A headline figure with its unit and how it is counted."""

    label: str
    value: int | None
    unit: str
    how: str

    @property
    def text(self) -> str:
        return MISSING if self.value is None else f"{self.value:,}{self.unit}"


@dataclass(frozen=True)
class Table:
    sheet: str  # the xlsx sheet (and the PDF's section) it belongs to
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]  # numbers, 「3未満」 or labels
    how: str = ""
    label_columns: int = 1  # the leading columns that hold labels, not numbers


SHEETS = ("概要", "相談受付", "ケース・終結", "会議", "成果指標")


def headline(figures: AnnualFigures) -> list[Indicator]:
    c, k = figures.consultations, figures.cases
    p, r, o, s = figures.participation, figures.community, figures.outreach, figures.stakeholders
    return [
        Indicator("相談受付件数", c.total, "件", c.how),
        Indicator("新規ケース（多機関協働）", k.new_cases, "件", k.new_cases_how),
        Indicator("支援プランの作成", k.plans_created, "件", k.plans_created_how),
        Indicator("支援プランの承認", k.plans_approved, "件", k.plans_approved_how),
        Indicator("重層的支援会議で協議したプラン", k.plans_discussed, "件", k.plans_discussed_how),
        Indicator("つなぐシートの送付", k.referrals_sent, "件", k.referrals_how),
        Indicator("終結", k.closures.total, "件", k.closures_how),
        Indicator("支援のために連携した関係者の数（成果指標）", s.count, "者", s.how),
        Indicator(
            "支援のために連携した関係者の数の目標値",
            figures.target,
            "者",
            "管理職がこの年度に設定した目標値です（未設定は「—」）。",
        ),
        Indicator("参加支援：支援対象者数", p.persons, "人", p.how),
        Indicator("参加支援：協力事業者数", p.cooperating_businesses, "事業者", p.how),
        Indicator("地域づくり：拠点数", r.hubs, "か所", r.how),
        Indicator("地域づくり：参加者数（延べ）", r.participants, "人", r.how),
        Indicator("地域づくり：運営に携わる市民数", r.citizens_running, "人", r.how),
        Indicator("地域づくり：参加機関数", r.agencies_count, "機関", r.how),
        Indicator("アウトリーチ：伴走している支援件数", o.engagements, "件", o.how),
        Indicator("アウトリーチ：接触回数", o.contacts, "回", o.how),
        Indicator(
            "地域課題（会議で挙がったもの）",
            figures.meetings.regional_issues,
            "件",
            "開催済みの会議で記録した地域課題の数です。内容は個人の事情を含みうるため、"
            "この帳票には載せません。",
        ),
    ]


def _breakdown(sheet: str, breakdown: Breakdown, heading: str) -> Table:
    unit = {"者": "関係者数", "人": "人数"}.get(breakdown.unit, "件数")
    if breakdown.overlapping:
        unit += "（延べ）"
    rows = [(row.label, row.value) for row in breakdown.rows]
    if not breakdown.overlapping:
        rows.append(("合計", breakdown.total))
    return Table(sheet, breakdown.title, (heading, unit), tuple(rows), breakdown.how)


def _headline_rows(indicators: list[Indicator]) -> list[tuple[object, ...]]:
    """The summary table's rows; a way of counting repeated from the row above (the
    four 地域づくり figures share one) is written 「同上」."""
    rows, previous = [], None
    for i in indicators:
        how = "同上" if i.how == previous else i.how
        previous = i.how
        rows.append((i.label, MISSING if i.value is None else i.value, i.unit, how))
    return rows


def _ratio(actual: int | None, target: int | None) -> str:
    if actual is None or not target:
        return MISSING
    return f"{actual * 100 / target:.1f}%"


def annual_tables(figures: AnnualFigures) -> list[Table]:
    c, k, m = figures.consultations, figures.cases, figures.meetings
    area_rows: list[tuple[object, ...]] = []
    if c.by_area.collapsed:
        area_rows.append(("（件数が少ないため、圏域・受付機関の内訳は示しません）", "", ""))
    for group in c.by_area.groups:
        area_rows.append((group.area.label, "（圏域の計）", group.area.shown))
        if group.collapsed:
            area_rows.append((group.area.label, "（内訳は示しません）", ""))
        area_rows.extend((group.area.label, w.label, w.shown) for w in group.windows)
    area_rows.append(("合計", "", c.by_area.total.shown))
    tables = [
        Table(
            "概要",
            "主な指標",
            ("指標", "値", "単位", "数え方"),
            tuple(_headline_rows(headline(figures))),
        ),
        Table(
            "相談受付",
            "圏域・受付機関別",
            ("圏域", "受付機関", "件数"),
            tuple(area_rows),
            c.area_how,
            label_columns=2,
        ),
        _breakdown("相談受付", c.by_channel, "相談経路"),
        _breakdown("相談受付", c.by_main_issue, "主な相談内容"),
        _breakdown("相談受付", c.by_issue, "相談内容"),
        _breakdown("相談受付", c.by_issue_group, "国の区分"),
        _breakdown("相談受付", c.by_outcome, "対応結果"),
        _breakdown("ケース・終結", k.closures, "終結の理由"),
        _breakdown("ケース・終結", k.improvement, "自立に向けた改善"),
        _breakdown("ケース・終結", k.stakeholders_by_kind, "関係者の種別"),
        Table(
            "会議",
            "会議体の種類別の開催と協議",
            (
                "会議体の種類",
                "開催回数",
                "参加機関数",
                "参加者延べ数",
                "協議したケース",
                "協議した世帯（ケース化前）",
                "決定事項",
                "地域課題",
            ),
            tuple(
                (
                    row.kind,
                    row.held,
                    row.agencies,
                    row.attendees,
                    row.cases,
                    row.households,
                    row.decisions,
                    row.regional_issues,
                )
                for row in m.rows
            ),
            m.how,
        ),
        Table(
            "成果指標",
            "支援のために連携した関係者の数：実績と目標の推移",
            ("年度", "実績", "目標", "目標に対する実績"),
            tuple(
                (
                    p.label,
                    MISSING if p.actual is None else p.actual,
                    MISSING if p.target is None else p.target,
                    _ratio(p.actual, p.target),
                )
                for p in figures.trend
            ),
            f"{figures.trend_how}関係者の数え方：{figures.stakeholders.how}",
        ),
    ]
    return tables
