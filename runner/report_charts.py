"""Inline SVG charts for the HTML report.

The report must open on a machine without network, so there is no chart library: a few
small functions draw the two chart kinds the report needs (bars over days, and a scatter
on log axes with a decision region) as SVG text. Every string that comes from the data
passes through ``markupsafe.escape``; the result is ``Markup`` so the Jinja template
embeds it as is.
Each chart carries ``role="img"``, a <title> and a <desc> for screen readers, and each
mark a <title> that browsers show as a tooltip.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
STATUS_COLORS: Mapping[str, str] = {
    "auto-approved": "#009E73",
    "pending": "#E69F00",
    "auto-rejected": "#D55E00",
}
OTHER_STATUS_COLOR = "#7f7f7f"
BAR_COLOR = "#9ab8d6"
BAR_HIGHLIGHT_COLOR = "#0072B2"
AXIS_COLOR = "#555555"
GRID_COLOR = "#e4e4e4"

#: Room one category label ("03-10" at 10 px) needs on the x axis.
LABEL_WIDTH = 34
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 28, 40, 56


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    tooltip: str
    highlighted: bool = False


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    status: str
    tooltip: str
    #: Identifies the point (a pattern id): seeds its jitter and finds its link.
    key: str = ""


@dataclass(frozen=True)
class _Frame:
    """The plot area inside the margins, in SVG user units."""

    width: int
    height: int

    @property
    def left(self) -> float:
        return MARGIN_LEFT

    @property
    def right(self) -> float:
        return self.width - MARGIN_RIGHT

    @property
    def top(self) -> float:
        return MARGIN_TOP

    @property
    def bottom(self) -> float:
        return self.height - MARGIN_BOTTOM


def element(tag: str, attrs: Mapping[str, object] | None = None, *children: str) -> Markup:
    """One SVG element; attribute values are escaped, children must already be safe."""
    rendered = "".join(f' {name}="{escape(value)}"' for name, value in (attrs or {}).items())
    if not children:
        return Markup(f"<{tag}{rendered}/>")
    return Markup(f"<{tag}{rendered}>{''.join(children)}</{tag}>")


def text(content: object, **attrs: object) -> Markup:
    """An SVG <text> whose content is escaped."""
    return element("text", _attrs(attrs), escape(str(content)))


def tooltip(content: str) -> Markup:
    return element("title", None, escape(content))


def _attrs(attrs: Mapping[str, object]) -> dict[str, object]:
    """Python keyword names to SVG attribute names (text_anchor → text-anchor, class_ → class)."""
    return {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}


def _num(value: float) -> str:
    """Coordinates with two decimals: enough precision, small files."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def format_count(value: float) -> str:
    """Axis labels: 950, 1.2k, 3.4M."""
    for limit, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:g}"


def nice_ticks(max_value: float, target: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``max_value`` (1, 2 or 5 times a power of 10)."""
    if max_value <= 0:
        return [0.0, 1.0]
    raw_step = max_value / target
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    if step < 1:
        step = 1.0
    count = math.ceil(max_value / step)
    return [step * i for i in range(count + 1)]


def log_ticks(low: float, high: float) -> list[float]:
    """Decades covering [low, high]; with 1, 2, 5 steps when the range is narrow."""
    first = math.floor(math.log10(max(low, 1)))
    last = max(math.ceil(math.log10(max(high, 1))), first + 1)
    multipliers = (1, 2, 5) if last - first <= 2 else (1,)
    ticks = [m * 10**e for e in range(first, last + 1) for m in multipliers]
    return [t for t in ticks if t <= 10**last]


def decades(low: float, high: float, floor: float = 0.01) -> list[float]:
    """Powers of ten covering [low, high], the lowest no smaller than ``floor``.

    Values below the first tick (zero savings, for a pattern without durations) are
    drawn on it, so its label reads "≤".
    """
    first = math.floor(math.log10(max(low, floor)))
    last = max(math.ceil(math.log10(max(high, floor))), first + 1)
    return [10.0**exponent for exponent in range(first, last + 1)]


def _svg(frame: _Frame, title: str, description: str, chart_id: str, *body: str) -> Markup:
    """The chart's root: accessible name from <title>, longer text from <desc>."""
    return element(
        "svg",
        {
            "viewBox": f"0 0 {frame.width} {frame.height}",
            "width": frame.width,
            "height": frame.height,
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "class": "chart",
            "id": chart_id,
        },
        element("title", {"id": f"{chart_id}-title"}, escape(title)),
        element("desc", {"id": f"{chart_id}-desc"}, escape(description)),
        *body,
    )


def _y_axis(frame: _Frame, ticks: Sequence[float], scale: float, label: str) -> list[Markup]:
    """Horizontal grid lines with their values, and the rotated axis title."""
    parts: list[Markup] = []
    for tick in ticks:
        y = frame.bottom - tick * scale
        parts.append(
            element(
                "line",
                {
                    "x1": frame.left,
                    "x2": _num(frame.right),
                    "y1": _num(y),
                    "y2": _num(y),
                    "stroke": GRID_COLOR,
                },
            )
        )
        parts.append(
            text(
                format_count(tick),
                x=frame.left - 6,
                y=_num(y + 4),
                text_anchor="end",
                class_="tick",
            )
        )
    middle = (frame.top + frame.bottom) / 2
    parts.append(
        text(
            label,
            x=14,
            y=_num(middle),
            text_anchor="middle",
            class_="axis-label",
            transform=f"rotate(-90 14 {_num(middle)})",
        )
    )
    return parts


def _axes_lines(frame: _Frame) -> list[Markup]:
    return [
        element(
            "line",
            {
                "x1": frame.left,
                "x2": frame.left,
                "y1": frame.top,
                "y2": _num(frame.bottom),
                "stroke": AXIS_COLOR,
            },
        ),
        element(
            "line",
            {
                "x1": frame.left,
                "x2": _num(frame.right),
                "y1": _num(frame.bottom),
                "y2": _num(frame.bottom),
                "stroke": AXIS_COLOR,
            },
        ),
    ]


def _legend(entries: Sequence[tuple[str, str]], x: float, y: float) -> Markup:
    """Colour swatches (rect, so they never count as data points) with their labels."""
    parts: list[Markup] = []
    offset = x
    for label, color in entries:
        parts.append(
            element(
                "rect",
                {"x": _num(offset), "y": _num(y - 9), "width": 10, "height": 10, "fill": color},
            )
        )
        parts.append(text(label, x=_num(offset + 14), y=_num(y), class_="legend-label"))
        offset += 24 + 6.5 * len(label)
    return element("g", {"class": "legend"}, *parts)


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    y_label: str,
    x_label: str,
    legend: Sequence[tuple[str, str]] = (),
    empty_message: str = "No activity in the period",
    width: int = 500,
    height: int = 240,
) -> Markup:
    """Vertical bars over categories (days); highlighted bars get the darker colour."""
    frame = _Frame(width, height)
    ticks = nice_ticks(max((bar.value for bar in bars), default=0))
    scale = (frame.bottom - frame.top) / ticks[-1]
    slot = (frame.right - frame.left) / max(len(bars), 1)
    label_every = math.ceil(LABEL_WIDTH / slot)
    marks: list[Markup] = []
    for index, bar in enumerate(bars):
        x = frame.left + index * slot + slot * 0.15
        bar_height = bar.value * scale
        color = BAR_HIGHLIGHT_COLOR if bar.highlighted else BAR_COLOR
        marks.append(
            element(
                "rect",
                {
                    "x": _num(x),
                    "y": _num(frame.bottom - bar_height),
                    "width": _num(slot * 0.7),
                    "height": _num(bar_height),
                    "fill": color,
                    "class": "bar",
                    "data-value": _num(bar.value),
                },
                tooltip(bar.tooltip),
            )
        )
        if (len(bars) - 1 - index) % label_every:
            continue  # crowded axis: label every n-th bar, counting back from the last
        marks.append(
            text(
                bar.label,
                x=_num(x + slot * 0.35),
                y=_num(frame.bottom + 14),
                text_anchor="middle",
                class_="tick",
            )
        )
    if not bars:
        marks.append(
            text(
                empty_message,
                x=_num((frame.left + frame.right) / 2),
                y=_num((frame.top + frame.bottom) / 2),
                text_anchor="middle",
                class_="empty",
            )
        )
    return _svg(
        frame,
        title,
        description,
        chart_id,
        *_y_axis(frame, ticks, scale, y_label),
        *_axes_lines(frame),
        element("g", {"class": "marks"}, *marks),
        text(
            x_label,
            x=_num((frame.left + frame.right) / 2),
            y=frame.height - 24,
            text_anchor="middle",
            class_="axis-label",
        ),
        _legend(legend, frame.left, 20),
    )


def _log_position(value: float, low: float, high: float, start: float, end: float) -> float:
    """Where ``value`` falls between ``start`` and ``end`` on a log10 scale from low to high."""
    fraction = (math.log10(max(value, low)) - math.log10(low)) / (
        math.log10(high) - math.log10(low)
    )
    return start + fraction * (end - start)


def jitter(key: str, spread: float) -> float:
    """A stable offset in [-spread, spread] drawn from ``key`` (the same on every run).

    Counts are integers: without it, patterns seen 1, 2 or 3 times pile into vertical
    stripes where one point hides the others.
    """
    digest = hashlib.sha256(key.encode()).digest()
    return (int.from_bytes(digest[:4], "big") / 0xFFFFFFFF * 2 - 1) * spread


def savings_chart(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    description: str,
    x_label: str,
    y_label: str,
    empty_message: str,
    region: tuple[float, float, str],
    links: Mapping[str, str] | None = None,
    width: int = 1000,
    height: int = 420,
) -> Markup:
    """Points on log10 x (counts) and log10 y (dollars) axes, with a decision region.

    ``region`` is (minimum x, minimum y, label): the area above and right of it is
    shaded, so the reader sees which patterns the rule would take. ``links`` maps a
    point's key (its tooltip's pattern id, given as ``Point.key``) to an href.
    """
    frame = _Frame(width, height)
    region_x, region_y, region_label = region
    # the axes reach a decade past the region's corner, so the region is always visible
    x_ticks = log_ticks(1.0, max([point.x for point in points] + [region_x * 10]))
    y_ticks = decades(
        min([point.y for point in points if point.y > 0] + [1.0]),
        max([point.y for point in points] + [region_y * 10]),
    )
    inner_left = frame.left + 8  # keep the lowest values off the axis lines
    inner_bottom = frame.bottom - 8

    def x_at(value: float) -> float:
        return _log_position(value, x_ticks[0], x_ticks[-1], inner_left, frame.right)

    def y_at(value: float) -> float:
        return _log_position(value, y_ticks[0], y_ticks[-1], inner_bottom, frame.top)

    parts: list[Markup] = [
        element(
            "rect",
            {
                "x": _num(x_at(region_x)),
                "y": _num(frame.top),
                "width": _num(frame.right - x_at(region_x)),
                "height": _num(y_at(region_y) - frame.top),
                "fill": STATUS_COLORS["auto-approved"],
                "fill-opacity": 0.1,
                "stroke": STATUS_COLORS["auto-approved"],
                "stroke-dasharray": "4 3",
                "class": "region",
            },
            tooltip(region_label),
        ),
        text(
            region_label,
            x=_num(frame.right - 6),
            y=_num(frame.top + 14),
            text_anchor="end",
            class_="tick",
        ),
    ]
    for index, tick in enumerate(y_ticks):
        y = y_at(tick)
        parts.append(
            element(
                "line",
                {"x1": frame.left, "x2": _num(frame.right), "y1": _num(y), "y2": _num(y)}
                | {"stroke": GRID_COLOR},
            )
        )
        parts.append(
            text(
                ("≤ $" if index == 0 else "$") + format_count(tick),
                x=frame.left - 6,
                y=_num(y + 4),
                text_anchor="end",
                class_="tick",
            )
        )
    for tick in x_ticks:
        x = x_at(tick)
        parts.append(
            element(
                "line",
                {"x1": _num(x), "x2": _num(x), "y1": frame.top, "y2": _num(frame.bottom)}
                | {"stroke": GRID_COLOR},
            )
        )
        parts.append(
            text(
                format_count(tick),
                x=_num(x),
                y=_num(frame.bottom + 16),
                text_anchor="middle",
                class_="tick",
            )
        )
    marks: list[Markup] = []
    for point in points:
        circle = element(
            "circle",
            {
                "cx": _num(x_at(max(point.x + jitter(point.key, 0.4), 0.6))),
                "cy": _num(y_at(point.y)),
                "r": 5,
                "fill": STATUS_COLORS.get(point.status, OTHER_STATUS_COLOR),
                "fill-opacity": 0.75,
                "stroke": "#333333",
                "stroke-width": 0.5,
                "class": "point",
                "data-status": point.status,
            },
            tooltip(point.tooltip),
        )
        href = (links or {}).get(point.key)
        marks.append(element("a", {"href": href}, circle) if href else circle)
    if not points:
        marks.append(
            text(
                empty_message,
                x=_num((frame.left + frame.right) / 2),
                y=_num((frame.top + frame.bottom) / 2),
                text_anchor="middle",
                class_="empty",
            )
        )
    counts = {status: sum(1 for p in points if p.status == status) for status in STATUS_COLORS}
    legend = [(f"{status} ({counts[status]})", color) for status, color in STATUS_COLORS.items()]
    middle = (frame.top + frame.bottom) / 2
    return _svg(
        frame,
        title,
        description,
        chart_id,
        *parts,
        *_axes_lines(frame),
        element("g", {"class": "marks"}, *marks),
        text(
            x_label,
            x=_num((frame.left + frame.right) / 2),
            y=frame.height - 20,
            text_anchor="middle",
            class_="axis-label",
        ),
        text(
            y_label,
            x=14,
            y=_num(middle),
            text_anchor="middle",
            class_="axis-label",
            transform=f"rotate(-90 14 {_num(middle)})",
        ),
        _legend(legend, frame.left, 20),
    )
