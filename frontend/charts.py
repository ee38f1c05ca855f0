"""Geometry for the server-side SVG charts. Templates draw them (frontend/charts/*.html).

No JavaScript chart library: inline SVG is CSP-safe, works offline, and prints well.
Colours and strokes come from CSS classes, never inline styles.
"""

import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Fills for renderers that ignore CSS in SVG (WeasyPrint); a browser's CSS classes override them.
FILL = "#767676"  # 4.5:1 on white (WCAG 1.4.11 asks 3:1)
FILL_CURRENT = "#000000"


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float
    label: str
    highlight: bool
    name: str = ""  # the full label, also where the axis shows none (the figures table shows all)

    @property
    def mid(self) -> float:
        return round(self.x + self.width / 2, 2)


@dataclass
class BarChart:
    width: int
    height: int
    bars: list
    maximum: float
    baseline: float


def bar_chart(values, labels=None, *, width=320, height=120, gap=4, label_space=0, top=0) -> BarChart:
    """Vertical bars scaled to the largest value; the last bar (the reviewed week) is highlighted.

    Gaps shrink and labels thin out when there are many bars (a year of weeks), so the bars keep
    a width and the labels do not overlap.
    """
    values = list(values)
    labels = list(labels) if labels is not None else [""] * len(values)
    names = list(labels)
    maximum = max(values, default=0) or 1
    count = max(len(values), 1)
    gap = min(gap, width / count / 4)
    every = max(1, math.ceil(count * 22 / width))  # about 22 units per label
    labels = [label if (count - 1 - i) % every == 0 else "" for i, label in enumerate(labels)]
    bar_width = (width - gap * (count - 1)) / count
    plot_height = height - label_space - top
    bars = []
    for i, (value, label, name) in enumerate(zip(values, labels, names, strict=True)):
        bar_height = plot_height * value / maximum
        # A zero still shows as a hairline, so an empty week is visibly empty, not missing.
        bar_height = max(bar_height, 1)
        bars.append(
            Bar(
                x=round(i * (bar_width + gap), 2),
                y=round(top + plot_height - bar_height, 2),
                width=round(bar_width, 2),
                height=round(bar_height, 2),
                value=value,
                label=label,
                highlight=i == len(values) - 1,
                name=name,
            )
        )
    return BarChart(width=width, height=height, bars=bars, maximum=maximum, baseline=top + plot_height)


def small_bars_svg(chart: BarChart, title: str) -> SafeString:
    """A small bar chart (a table row's trend) as SVG markup, built here rather than in a template:
    a year of weeks in 27 charts is 1,400 bars, too slow through template tags on every view."""
    rects = "".join(
        f'<rect class="bar{" bar-current" if bar.highlight else ""}" fill="{FILL_CURRENT if bar.highlight else FILL}" '
        f'x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}"><title>{bar.value}</title></rect>'
        for bar in chart.bars
    )
    title = escape(title)
    # Safe: the numbers are formatted here and the title is escaped.
    return mark_safe(
        f'<svg class="chart bars bars-small" viewBox="0 0 {chart.width} {chart.height}" width="{chart.width}" '
        f'height="{chart.height}" role="img" aria-label="{title}" preserveAspectRatio="none"><title>{title}</title>'
        f'{rects}<line class="axis" x1="0" x2="{chart.width}" y1="{chart.baseline}" y2="{chart.baseline}"></line></svg>'
    )


@dataclass
class Sparkline:
    width: int
    height: int
    points: str
    last_x: float | None
    last_y: float | None
    last: float | None
    empty: bool
    values: tuple = ()  # every value, oldest first (None where a run had none): the chart as text


def sparkline(values, *, width=120, height=28, pad=3) -> Sparkline:
    """A polyline through the known values (None leaves a gap in x but is skipped)."""
    values = list(values)
    known = [v for v in values if v is not None]
    if not known:
        return Sparkline(width, height, "", None, None, None, True, tuple(values))
    low, high = min(known), max(known)
    span = (high - low) or 1
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = []
    for i, value in enumerate(values):
        if value is None:
            continue
        x = pad + i * step
        y = height - pad - (value - low) / span * (height - 2 * pad) if high != low else height / 2
        points.append((round(x, 2), round(y, 2)))
    last_x, last_y = points[-1]
    return Sparkline(
        width=width,
        height=height,
        points=" ".join(f"{x},{y}" for x, y in points),
        last_x=last_x,
        last_y=last_y,
        last=known[-1],
        empty=False,
        values=tuple(values),
    )


@dataclass
class Node:
    x: float
    y: float
    label: str
    pk: int | None
    centre: bool


@dataclass
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str
    ended: bool


@dataclass
class Network:
    width: int
    height: int
    nodes: list
    edges: list


def relation_network(group, relations, *, width=420, height=280) -> Network:
    """The group in the centre and the groups it has relations with on a circle around it."""
    cx, cy = width / 2, height / 2
    radius = min(width, height) / 2 - 40
    others = {}
    for relation in relations:
        other = relation.group_b if relation.group_a_id == group.pk else relation.group_a
        others.setdefault(other.pk, other)
    nodes = [Node(cx, cy, group.name, group.pk, True)]
    positions = {group.pk: (cx, cy)}
    for i, other in enumerate(others.values()):
        angle = 2 * math.pi * i / max(len(others), 1) - math.pi / 2
        x, y = round(cx + radius * math.cos(angle), 2), round(cy + radius * math.sin(angle), 2)
        positions[other.pk] = (x, y)
        nodes.append(Node(x, y, other.name, other.pk, False))
    edges = []
    for relation in relations:
        (x1, y1), (x2, y2) = positions[relation.group_a_id], positions[relation.group_b_id]
        edges.append(Edge(x1, y1, x2, y2, relation.kind, relation.end_date is not None))
    return Network(width=width, height=height, nodes=nodes, edges=edges)
