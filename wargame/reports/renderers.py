"""Render the gathered report structure as HTML, PDF, a ZIP of CSV tables, or JSON.

Each renderer takes the dict from ``gather.report_data`` and returns bytes (or a string for
the HTML fragment shown in the app). HTML and PDF come from the same template; the PDF is
WeasyPrint's rendering of it with the print rules of ``static/css/report.css``.
"""

import base64
import csv
import gc
import io
import json
import re
import zipfile
from collections.abc import Callable
from functools import cache
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from wargame.exercises.charts import indicator_charts
from wargame.exercises.scenarios import get_scenario
from wargame.reports.tables import TABLES, tables_for

CSS_PATH = "css/report.css"
SVG_ID = re.compile(r'\b(id|xlink:href|href)="#?(activate-serie-\d+)')
# What a printed chart never shows: pygal's tooltip texts (<desc>) and hover titles (<title>).
SVG_TOOLTIPS = re.compile(r"<(desc|title)\b[^>]*>.*?</\1>", re.S)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "application/zip",
    "json": "application/json",
}
EXTENSIONS = {"html": "html", "pdf": "pdf", "csv": "zip", "json": "json"}


@cache
def report_css() -> str:
    path = finders.find(CSS_PATH)
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def charts(data: dict) -> list[dict[str, str]]:
    """The indicator charts (pygal SVG), one per indicator group: the app's own charts."""
    scenario = get_scenario(data["scenario"]["id"])
    history = [point["values"] for point in data["indicator_series"]]
    result = []
    for number, chart in enumerate(indicator_charts(scenario, history), start=1):
        # pygal numbers its ids per chart: make them unique within the report.
        svg = SVG_ID.sub(lambda m, n=number: f'{m.group(1)}="chart{n}-{m.group(2)}', chart["svg"])
        result.append({**chart, "svg": svg})
    return result


def expectations_by_move(rows: list[dict], teams: list[dict]) -> list[dict]:
    """The expectations grouped by the move they were about: one row per turn and team,
    what that team did beside what each of the others expected of it."""
    grouped: dict[tuple, dict] = {}
    for row in rows:
        key = (row["turn"], row["about"])
        if key not in grouped:
            grouped[key] = {
                "turn": row["turn"],
                "about": row["about"],
                "actual_held": row["actual_held"],
                "actual_actions": row["actual_actions"],
                "expected": [],
            }
        grouped[key]["expected"].append({"team": row["team"], "expected": row["expected"]})
    order = {team["key"]: position for position, team in enumerate(teams)}
    return sorted(grouped.values(), key=lambda row: (row["turn"], order.get(row["about"], 0)))


def context(data: dict, *, standalone: bool, chart_list: list | None = None) -> dict[str, Any]:
    names = {team["key"]: team["name"] for team in data["teams"]}
    indicator_names = {i["id"]: i["name"] for i in data["indicators"]}
    teams_by_key = {team["key"]: team for team in data["teams"]}
    confidence_by_team: dict[str, list[dict]] = {}
    for row in data["confidence"]:
        confidence_by_team.setdefault(row["team"], []).append(row)
    summary = []
    for key, rows in confidence_by_team.items():
        confidences = [r["confidence"] for r in rows if r["confidence"] is not None]
        rolls = sum(r["rolls"] for r in rows)
        successes = sum(r["successes"] for r in rows)
        progress = [r["objective_progress"] for r in rows if r["objective_progress"] is not None]
        summary.append(
            {
                "team": key,
                "rows": rows,
                "mean_confidence": sum(confidences) / len(confidences) if confidences else None,
                "success_share": successes / rolls if rolls else None,
                "rolls": rolls,
                "successes": successes,
                "objective_progress": sum(progress) if progress else None,
                "objectives": teams_by_key[key]["objectives"],
            }
        )
    return {
        "data": data,
        "standalone": standalone,
        "expectations": expectations_by_move(data["expectations"], data["teams"]),
        # Per turn, the actions that could fail and were rolled for (the others succeed).
        "rolled": {
            turn["number"]: [roll for roll in turn["rolls"] if roll["base"] is not None]
            for turn in data["turns"]
        },
        "css": report_css() if standalone else "",
        "charts": chart_list if chart_list is not None else charts(data),
        "team_names": names,
        "indicator_names": indicator_names,
        "confidence_summary": summary,
        "tables": tables_for(data),
        "all_tables": TABLES,
    }


def render_html(data: dict, *, standalone: bool = True, for_pdf: bool = False) -> str:
    """The report page: a complete document (standalone) or the body shown in the app.

    For the PDF, each chart's SVG goes in as an image: WeasyPrint then draws it with its
    SVG renderer instead of styling every node of it as HTML, which is much faster.
    """
    template = "reports/document.html" if standalone else "reports/_report.html"
    chart_list = charts(data)
    if for_pdf:
        chart_list = [{**chart, "src": _data_uri(chart["svg"])} for chart in chart_list]
    return render_to_string(template, context(data, standalone=standalone, chart_list=chart_list))


def _data_uri(svg: str) -> str:
    svg = SVG_TOOLTIPS.sub("", svg)
    if "xmlns=" not in svg.split(">", 1)[0]:
        svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def html_bytes(data: dict) -> bytes:
    return render_html(data).encode("utf-8")


def pdf_bytes(data: dict, *, progress: Callable[[int], None] | None = None) -> bytes:
    from weasyprint import HTML  # imported late: loading pango takes a while

    html = render_html(data, for_pdf=True)
    if progress:
        progress(40)
    # WeasyPrint builds some hundred thousand short-lived objects (boxes, styles, lines)
    # that hold no reference cycles worth chasing while it works: the cyclic collector,
    # triggered again and again by those allocations, cost about a sixth of the time.
    # It is switched off for the rendering only, and runs once afterwards.
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = HTML(string=html, base_url=None).render()
        if progress:
            progress(80)
        return document.write_pdf(full_fonts=not _fast_subsetting())
    finally:
        if collecting:
            gc.enable()


@cache
def _fast_subsetting() -> bool:
    """Whether WeasyPrint can subset fonts with HarfBuzz (fast) rather than fontTools.

    With HarfBuzz, subsetting the few faces a report uses takes a few milliseconds and the
    file is small; embedding whole fonts would then be slower (every glyph's width and
    Unicode map is written). With fontTools, subsetting is most of the writing time, so the
    whole fonts go in instead.
    """
    try:
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    except ImportError:  # pragma: no cover - an older WeasyPrint
        return False
    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def neutralise(value: Any) -> Any:
    """A cell safe to open in a spreadsheet: text starting like a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(data: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for table in tables_for(data):
            text = io.StringIO()
            columns = [column for column, _ in table.columns]
            writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for row in table.rows(data):
                writer.writerow({key: neutralise(row.get(key)) for key in columns})
            bundle.writestr(f"{table.name}.csv", text.getvalue())
        dictionary = io.StringIO()
        writer = csv.writer(dictionary, lineterminator="\n")
        writer.writerow(["table", "column", "meaning"])
        for table in tables_for(data):
            writer.writerow([table.name, "", table.description])
            for column, meaning in table.columns:
                writer.writerow([table.name, column, meaning])
        bundle.writestr("data_dictionary.csv", dictionary.getvalue())
    return buffer.getvalue()


def json_bytes(data: dict) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def render(data: dict, fmt: str, *, progress: Callable[[int], None] | None = None) -> bytes:
    if fmt == "pdf":
        return pdf_bytes(data, progress=progress)
    renderers = {"html": html_bytes, "csv": csv_bytes, "json": json_bytes}
    if fmt not in renderers:
        raise ValueError(f"Unknown report format {fmt!r}: choose html, pdf, csv or json.")
    return renderers[fmt](data)
