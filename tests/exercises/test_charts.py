"""The indicator charts a page shows together carry pygal's style sheet once, and every
chart is still drawn with all of its rules."""

import re
from collections import Counter

from wargame.engine import initial_state
from wargame.exercises.charts import SHARED_CLASS, indicator_charts, sharing_one_style
from wargame.exercises.scenarios import get_scenario

STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
RULE = re.compile(r"[^{}]+\{[^}]*\}")


def _rules(css: str) -> set[str]:
    return set(RULE.findall(css))


def test_a_page_of_charts_carries_their_style_sheet_once():
    scenario = get_scenario("japan-korea-2025")
    start = initial_state(scenario).indicators
    charts = indicator_charts(scenario, [start, {k: v + 3 for k, v in start.items()}])
    shared = sharing_one_style(charts)

    assert len(shared) == len(charts) > 1
    sheets = [STYLE.search(chart["svg"]) for chart in shared]
    assert sum(sheet is not None for sheet in sheets) == 1
    sheet = _rules(next(sheet.group(1) for sheet in sheets if sheet))
    for own, chart in zip(charts, shared, strict=True):
        assert f'class="pygal-chart {SHARED_CLASS}"' in chart["svg"]
        assert 'id="chart-' not in chart["svg"]
        chart_id = re.search(r'id="(chart-[0-9a-f]+)"', own["svg"]).group(1)
        its_rules = STYLE.search(own["svg"]).group(1).replace(f"#{chart_id}", f".{SHARED_CLASS}")
        assert _rules(its_rules) <= sheet  # drawn as pygal drew it alone
    assert sum(len(c["svg"]) for c in shared) < 0.7 * sum(len(c["svg"]) for c in charts)


def test_a_chart_carries_what_the_browser_draws_and_no_more():
    scenario = get_scenario("japan-korea-2025")
    start = initial_state(scenario).indicators
    history = [
        start,
        {k: v + 3.33 for k, v in start.items()},
        {k: v - 1.7 for k, v in start.items()},
    ]
    lines = Counter(indicator.group for indicator in scenario.indicators)

    charts = indicator_charts(scenario, history)
    assert len(charts) == len(lines)
    for chart, group in zip(charts, lines, strict=True):
        svg = chart["svg"]
        assert svg.count("<circle") == len(history) * lines[group]  # a dot per turn and line
        assert svg.count('<desc class="value">') == svg.count("<desc") == svg.count("<circle")
        assert "<script" not in svg and "tooltip-overlay" not in svg
        assert (
            re.search(r"<title>(.*?)</title>", svg).group(1) == f"{chart['group']} over the turns"
        )
        coordinates = re.findall(r' (?:x|y|cx|cy|width|height|d|transform)="([^"]*)"', svg)
        decimals = [n for value in coordinates for n in re.findall(r"\d+\.(\d+)", value)]
        assert decimals and all(len(n) == 1 for n in decimals)
