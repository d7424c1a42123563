"""The 成果指標's trend as an inline SVG, drawn on the server (no script, no external
file: the PDF and the LGWAN page both take it as it is). Bars are the actual values,
the dashed line with diamonds the targets — as in 長久手市's 通知表."""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .figures import TrendPoint

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 40, 48
ACTUAL_COLOUR = "#0031d8"  # デジタル庁 blue: 4.5:1 and more on white
TARGET_COLOUR = "#b34700"
FONT = "'Noto Sans CJK JP', 'IPAexGothic', sans-serif"


def _nice_top(value: int) -> int:
    """A round number at or above ``value`` for the axis (10, 20, 50, 100, 200 …)."""
    if value <= 0:
        return 10
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return math.ceil(top)
    return 10 * magnitude  # pragma: no cover - the loop ends at 10 × magnitude


def _text(x: float, y: float, text: str, *, anchor: str = "middle", size: int = 11, **extra) -> str:
    attributes = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in extra.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"'
        f' font-family="{FONT}"{attributes}>{escape(text)}</text>'
    )


def trend_svg(
    points: Sequence[TrendPoint], *, title: str = "支援のために連携した関係者の数"
) -> SafeString:
    """The chart's markup; every label is escaped, so the result is safe to inline."""
    values = [v for p in points for v in (p.actual, p.target) if v is not None]
    top = _nice_top(max(values, default=0))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    bar_w = min(48.0, slot * 0.55)

    def y_of(value: int) -> float:
        return TOP + plot_h - plot_h * value / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" width="{WIDTH}"'
        f' height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        ' aria-labelledby="trend-title trend-desc">',
        f'<title id="trend-title">{escape(title)}（実績と目標）</title>',
        '<desc id="trend-desc">'
        + escape(
            "、".join(
                f"{p.label} 実績{'—' if p.actual is None else p.actual}"
                f" 目標{'—' if p.target is None else p.target}"
                for p in points
            )
        )
        + "</desc>",
        '<rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>',
        _text(LEFT, 18, f"{title}（単位：者）", anchor="start", size=12, font_weight="bold"),
    ]
    # Axis and gridlines at quarters of the top.
    for i in range(5):
        value = top * i // 4
        y = y_of(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"'
            f' stroke="{"#333333" if i == 0 else "#d0d0d0"}" stroke-width="1"/>'
        )
        parts.append(_text(LEFT - 6, y + 4, f"{value:,}", anchor="end", size=10))
    target_points = []
    for index, point in enumerate(points):
        centre = LEFT + slot * (index + 0.5)
        if point.actual is not None:
            y = y_of(point.actual)
            parts.append(
                f'<rect x="{centre - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}"'
                f' height="{TOP + plot_h - y:.1f}" fill="{ACTUAL_COLOUR}"/>'
            )
            parts.append(_text(centre, y - 5, f"{point.actual:,}", size=11))
        else:
            parts.append(_text(centre, TOP + plot_h - 5, "—", size=11, fill="#555555"))
        if point.target is not None:
            target_points.append((centre, y_of(point.target), point.target))
        parts.append(_text(centre, HEIGHT - BOTTOM + 16, point.short_label, size=11))
        parts.append(_text(centre, HEIGHT - BOTTOM + 30, point.label, size=9, fill="#555555"))
    if len(target_points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in target_points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{TARGET_COLOUR}"'
            ' stroke-width="2" stroke-dasharray="6 4"/>'
        )
    for x, y, value in target_points:
        parts.append(
            f'<path d="M {x:.1f} {y - 6:.1f} L {x + 6:.1f} {y:.1f} L {x:.1f} {y + 6:.1f}'
            f' L {x - 6:.1f} {y:.1f} Z" fill="{TARGET_COLOUR}"/>'
        )
        parts.append(_text(x, y - 10, f"目標 {value:,}", size=10, fill=TARGET_COLOUR))
    # Legend.
    legend_x = WIDTH - RIGHT - 150
    parts.append(f'<rect x="{legend_x}" y="8" width="14" height="12" fill="{ACTUAL_COLOUR}"/>')
    parts.append(_text(legend_x + 18, 18, "実績", anchor="start", size=11))
    parts.append(
        f'<path d="M {legend_x + 70} 8 L {legend_x + 76} 14 L {legend_x + 70} 20'
        f' L {legend_x + 64} 14 Z" fill="{TARGET_COLOUR}"/>'
    )
    parts.append(_text(legend_x + 82, 18, "目標", anchor="start", size=11))
    parts.append("</svg>")
    # Every text above went through escape(); the rest is numbers and constants.
    return mark_safe("".join(parts))
