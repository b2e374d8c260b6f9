"""Benchmark chart macro for Servebook (standard library only).

``register(env)`` defines the mkdocs-macros macro ``benchmark_chart()``. It
returns a static, accessible SVG: a grouped horizontal bar chart of the
Kimi-K2.7-Code quality benchmarks (six benchmarks x four models), wrapped in a
``<figure>`` so that Markdown leaves it alone.

Design notes
- No JavaScript. The SVG has ``role="img"``, a ``<title>`` and a ``<desc>``
  that spells out every value, so screen readers get the whole data set.
- A legend and numeric labels are drawn in the chart itself; colours are never
  the only cue (bars keep the legend's order in every group).
- Colours come from CSS custom properties set in an inline ``<style>``: one set
  for Material's light scheme (``default``) and one for ``slate``. Each bar
  colour has at least 4.8:1 contrast against the page background in its scheme;
  text uses Material's ``--md-default-fg-color``.
- ``viewBox`` plus ``width="100%"`` scales the chart to the column; the
  figure is capped at 480 px so that it stays legible on phones and desktops.
"""

from __future__ import annotations

from html import escape

# Source: Hugging Face model card of moonshotai/Kimi-K2.7-Code, "Evaluation
# Results" (vendor-reported). Keep in sync with the tables on the Overview and
# Benchmarks pages; tests/site/test_content.py checks that every value is drawn.
BENCHMARKS = {
    "models": ["Kimi-K2.6", "Kimi-K2.7-Code", "GPT-5.5", "Claude Opus 4.8"],
    "highlight": "Kimi-K2.7-Code",
    "rows": [
        ("Coding", "Kimi Code Bench v2", (50.9, 62.0, 69.0, 67.4)),
        ("Coding", "Program Bench", (48.3, 53.6, 69.1, 63.8)),
        ("Coding", "MLS Bench Lite", (26.7, 35.1, 35.5, 42.8)),
        ("Agentic", "Kimi Claw 24/7 Bench", (42.9, 46.9, 52.8, 50.4)),
        ("Agentic", "MCP Atlas", (69.4, 76.0, 79.4, 81.3)),
        ("Agentic", "MCP Mark Verified", (72.8, 81.1, 92.9, 76.4)),
    ],
}

# One colour per model, in model order: (light scheme, slate scheme).
# Contrast against the background: light on #fff, slate on hsl(225,15%,14%).
_PALETTE = [
    ("#6b7280", "#9ca3af"),  # grey    4.8:1 / 6.3:1
    ("#3f51b5", "#8c9eff"),  # indigo  6.9:1 / 6.5:1
    ("#c2410c", "#fb923c"),  # orange  5.2:1 / 7.1:1
    ("#0f766e", "#2dd4bf"),  # teal    5.5:1 / 8.6:1
]

# Geometry, in viewBox units (roughly CSS px at a 360 px wide column).
_W = 360
_LEFT = 4  # x of the value axis origin
_LABEL_ROOM = 36  # space kept right of the longest bar for its value label
_PLOT_W = _W - _LEFT - _LABEL_ROOM  # width of the 0..100 scale
_BAR_H = 13
_BAR_STEP = 16
_HEAD_H = 21  # group heading above the bars
_GROUP_GAP = 10
_LEGEND_H = 56
_AXIS_H = 26


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _x(value: float) -> float:
    return _LEFT + _PLOT_W * value / 100.0


def _style(cls: str) -> str:
    """Inline CSS, scoped to the chart's class."""
    light = "".join(f"--sb-c{i}:{c[0]};" for i, c in enumerate(_PALETTE))
    dark = "".join(f"--sb-c{i}:{c[1]};" for i, c in enumerate(_PALETTE))
    bars = "".join(
        f".{cls} .sb-s{i}{{fill:var(--sb-c{i})}}" for i in range(len(_PALETTE))
    )
    return (
        f".{cls}{{{light}}}"
        f"[data-md-color-scheme=slate] .{cls}{{{dark}}}"
        # higher specificity than Material's '.md-typeset figure' (width: fit-content)
        f".md-typeset figure.{cls}{{width:100%;max-width:480px;margin:1em auto}}"
        f".md-typeset .{cls} svg{{display:block;width:100%;height:auto}}"
        f".{cls} text{{fill:var(--md-default-fg-color,#1f1f1f);"
        f"font-family:inherit;font-size:13px}}"
        f".{cls} .sb-head{{font-size:14.5px;font-weight:700}}"
        f".{cls} .sb-cat{{font-weight:400;fill:var(--md-default-fg-color--light,#555)}}"
        f".{cls} .sb-strong{{font-weight:700}}"
        f".{cls} .sb-axis{{fill:var(--md-default-fg-color--light,#555);font-size:12px}}"
        f".{cls} .sb-grid{{stroke:var(--md-default-fg-color--lightest,#ddd);"
        f"stroke-width:1}}"
        f".{cls} .sb-base{{stroke:var(--md-default-fg-color--light,#777);"
        f"stroke-width:1}}"
        f"{bars}"
        f".md-typeset .{cls} figcaption{{max-width:none}}"
    )


def _description(data: dict) -> str:
    models = data["models"]
    parts = []
    for category, name, values in data["rows"]:
        scores = ", ".join(f"{m} {_fmt(v)}" for m, v in zip(models, values))
        parts.append(f"{name} ({category}): {scores}.")
    return (
        "Grouped horizontal bar chart of vendor-reported benchmark scores "
        "(0 to 100, higher is better) for "
        + ", ".join(models)
        + ". "
        + " ".join(parts)
    )


def render_chart(data: dict = BENCHMARKS, chart_id: str = "sb-benchmark-chart") -> str:
    """Return the chart as an HTML ``<figure>`` string (no blank lines)."""
    cls = "sb-chart"
    models = data["models"]
    rows = data["rows"]
    highlight = data.get("highlight")
    group_h = _HEAD_H + _BAR_STEP * len(models) + _GROUP_GAP
    top = _LEGEND_H
    plot_bottom = top + group_h * len(rows) - _GROUP_GAP
    height = plot_bottom + _AXIS_H

    title = "Kimi-K2.7-Code quality benchmarks compared with Kimi-K2.6, GPT-5.5 and Claude Opus 4.8"
    out = [
        f'<figure class="{cls}" id="{chart_id}">',
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {_W} {height}" width="100%" preserveAspectRatio="xMidYMin meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(_description(data))}</desc>',
        f"<style>{_style(cls)}</style>",
    ]

    # Legend: two columns, in model (= bar) order.
    out.append('<g class="sb-legend">')
    for i, model in enumerate(models):
        col, row = i % 2, i // 2
        x = _LEFT + col * (_W / 2)
        y = 6 + row * 23
        weight = ' class="sb-strong"' if model == highlight else ""
        out.append(
            f'<rect class="sb-s{i}" x="{x:.1f}" y="{y}" width="13" height="13" rx="2"/>'
            f'<text x="{x + 19:.1f}" y="{y + 11}"{weight}>{escape(model)}</text>'
        )
    out.append("</g>")

    # Grid lines (drawn per group, below each heading) and axis ticks.
    ticks = (0, 25, 50, 75, 100)
    out.append('<g aria-hidden="true">')
    for g in range(len(rows)):
        y1 = top + g * group_h + _HEAD_H - 2
        y2 = y1 + _BAR_STEP * len(models) + 1
        for tick in ticks:
            x = _x(tick)
            line_cls = "sb-base" if tick == 0 else "sb-grid"
            out.append(
                f'<line class="{line_cls}" x1="{x:.1f}" y1="{y1}" x2="{x:.1f}" y2="{y2}"/>'
            )
    for tick in ticks:
        anchor = "start" if tick == 0 else ("end" if tick == 100 else "middle")
        out.append(
            f'<text class="sb-axis" x="{_x(tick):.1f}" y="{plot_bottom + 14}" '
            f'text-anchor="{anchor}">{tick}</text>'
        )
    out.append("</g>")

    # Bars, grouped by benchmark.
    for g, (category, name, values) in enumerate(rows):
        y0 = top + g * group_h
        out.append('<g class="sb-group">')
        out.append(
            f'<text class="sb-head" x="{_LEFT}" y="{y0 + 15}">{escape(name)}'
            f'<tspan class="sb-cat"> · {escape(category)}</tspan></text>'
        )
        for i, (model, value) in enumerate(zip(models, values)):
            y = y0 + _HEAD_H + i * _BAR_STEP
            w = _x(value) - _LEFT
            strong = ' class="sb-strong"' if model == highlight else ""
            out.append(
                f'<rect class="sb-s{i}" x="{_LEFT}" y="{y}" width="{w:.1f}" height="{_BAR_H}">'
                f"<title>{escape(model)}: {_fmt(value)}</title></rect>"
                f'<text x="{_x(value) + 4:.1f}" y="{y + _BAR_H - 2}"{strong}>{_fmt(value)}</text>'
            )
        out.append("</g>")

    out.append("</svg>")
    out.append(
        "<figcaption>Vendor-reported scores from the Kimi-K2.7-Code model card "
        "(higher is better). Within each benchmark the bars follow the legend "
        "order: Kimi-K2.6, Kimi-K2.7-Code, GPT-5.5, Claude Opus 4.8.</figcaption>"
    )
    out.append("</figure>")
    return "\n".join(out)


def register(env) -> None:
    """Define the chart macro(s) on an mkdocs-macros environment."""

    @env.macro
    def benchmark_chart() -> str:
        """Inline SVG bar chart of the Kimi-K2.7-Code quality benchmarks."""
        return render_chart()
