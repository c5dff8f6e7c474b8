"""Indicator charts as SVG, drawn by pygal: one small multiple per indicator group.

The same SVG goes into pages and reports. pygal embeds a configuration script for its
tooltips; it is removed, as pages allow no inline script, and so is what only that script
reads (each dot's coordinates and label as tooltip data, the empty tooltip box); a dot keeps
its value, which screen readers read out. Coordinates keep a tenth of a pixel: pygal writes
sixteen digits. Together that is a quarter of a team page's charts.
"""

import re
from uuid import uuid4
from xml.etree import ElementTree

import pygal
from django.core.cache import cache
from pygal.style import DefaultStyle

from wargame.engine import Scenario

SVG_NS = "http://www.w3.org/2000/svg"
SHARED_CLASS = "indicator-chart"
_ROOT = re.compile(r'id="(chart-[0-9a-f]+)" class="pygal-chart"')
_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


_TITLE = {"title", f"{{{SVG_NS}}}title"}
_SCRIPT = {"script", f"{{{SVG_NS}}}script"}
_DESCRIPTION = {"desc", f"{{{SVG_NS}}}desc"}
_GEOMETRY = {"x", "y", "cx", "cy", "width", "height", "d", "transform"}
_DECIMAL = re.compile(r"\d+\.\d+")


def _svg(chart: pygal.Line, *, name: str) -> str:
    """``name`` replaces pygal's own in the chart's title: what a pointer resting on the
    chart and a screen reader announce."""
    tree = chart.render_tree()
    for title in tree.iter():
        if title.tag in _TITLE:
            title.text = name
            break
    for parent in tree.iter():
        for child in list(parent):
            if _for_the_script(child):
                parent.remove(child)
        for attribute in _GEOMETRY.intersection(parent.keys()):
            parent.set(attribute, _DECIMAL.sub(_to_a_tenth, parent.get(attribute)))
    return ElementTree.tostring(tree, encoding="unicode")


def _for_the_script(element: ElementTree.Element) -> bool:
    kind = element.get("class", "")
    if element.tag in _DESCRIPTION:
        return kind != "value"
    return element.tag in _SCRIPT or "tooltip-overlay" in kind


def _to_a_tenth(number: re.Match) -> str:
    return f"{round(float(number.group()), 1):g}"


def indicator_charts(
    scenario: Scenario, history: list[dict[str, float]], *, cache_key: str | None = None
) -> list[dict[str, str]]:
    """One chart per indicator group over the turns; ``history[0]`` is the starting state."""
    if cache_key and (charts := cache.get(cache_key)) is not None:
        return charts
    groups: dict[str, list] = {}
    for indicator in scenario.indicators:
        groups.setdefault(indicator.group, []).append(indicator)
    charts = []
    for group, indicators in groups.items():
        chart = pygal.Line(
            width=520,
            height=250 + 22 * len(indicators),
            js=[],
            disable_xml_declaration=True,
            style=DefaultStyle(font_family="system-ui, sans-serif", background="white"),
            range=(min(i.min for i in indicators), max(i.max for i in indicators)),
            x_title="Turn",
            legend_at_bottom=True,
            legend_at_bottom_columns=1,
            truncate_legend=-1,
            dots_size=3,
        )
        # pygal prefixes every CSS rule with the chart's id, a UUID by default: a short one
        # spares a page of five charts some 14 KB.
        chart.uuid = uuid4().hex[:8]
        chart.x_labels = ["Start", *(str(turn) for turn in range(1, len(history)))]
        for indicator in indicators:
            chart.add(indicator.name, [round(values[indicator.id], 1) for values in history])
        name = group.replace("_", " ").capitalize()
        charts.append({"group": name, "svg": _svg(chart, name=f"{name} over the turns")})
    if cache_key:
        cache.set(cache_key, charts, 3600)
    return charts


def sharing_one_style(charts: list[dict[str, str]]) -> list[dict[str, str]]:
    """The charts as a page shows them together, with one style sheet.

    pygal writes a style sheet into each chart (5 KB: the same rules, each under its own
    chart's id; the chart with the most lines has all the others have). A page of five
    carried it five times. Here every chart takes a class instead of its id and the fullest
    sheet stays, once: a style sheet inside an SVG applies to the whole page.
    """
    shared = []
    for chart in charts:
        svg = _COMMENT.sub("", chart["svg"])
        if root := _ROOT.search(svg):
            chart_id = root.group(1)
            svg = svg.replace(root.group(0), f'class="pygal-chart {SHARED_CLASS}"', 1)
            svg = svg.replace(f"#{chart_id}", f".{SHARED_CLASS}")
        shared.append({**chart, "svg": svg})
    if not shared:
        return shared
    sheets = [_STYLE.search(chart["svg"]) for chart in shared]
    fullest = max(range(len(shared)), key=lambda n: len(sheets[n].group(0)) if sheets[n] else 0)
    return [
        chart if n == fullest else {**chart, "svg": _STYLE.sub("", chart["svg"], count=1)}
        for n, chart in enumerate(shared)
    ]
