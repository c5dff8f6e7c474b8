"""Every format from the one structure: PDF, CSV bundle, JSON, HTML."""

import csv
import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pypdf

from tests.reports.conftest import FORMULA, HOSTILE
from wargame.reports.gather import Options, report_data
from wargame.reports.renderers import csv_bytes, json_bytes, pdf_bytes, render_html

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report-schema.json"


def _outline(reader: pypdf.PdfReader, items=None, depth=0) -> list[tuple[int, str, int]]:
    found = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found += _outline(reader, item, depth + 1)
        else:
            found.append((depth, item.title, reader.get_destination_page_number(item) + 1))
    return found


def test_the_pdf_opens_with_its_contents_bookmarks_and_charts(demo):
    data = report_data(demo.pk)
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes(data)))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) > 10
    assert reader.metadata.title.endswith(demo.title)
    # The table of contents, on page 2, gives the page of every section.
    outline = _outline(reader)
    titles = {title: page for _, title, page in outline}
    for section in ("Executive summary", "Indicators over the turns", "Timeline, turn by turn"):
        assert section in pages[1]
        assert f"{titles[section]}" in pages[1].split(section, 1)[1].splitlines()[0]
        assert section in pages[titles[section] - 1]
    assert [title for depth, title, _ in outline if depth == 1] == [
        f"Turn {n}" for n in range(1, 9)
    ]
    # One chart per indicator group, drawn as vector graphics with its legend and axis.
    charts = pages[titles["Indicators over the turns"] - 1]
    groups = {i["group"] for i in data["indicators"]}
    assert "Figure 1." in charts and "Turn" in charts
    figures = "".join(
        pages[titles["Indicators over the turns"] - 1 : titles["Timeline, turn by turn"]]
    )
    assert all(f"Figure {n}." in figures for n in range(1, len(groups) + 1))
    assert data["indicators"][0]["name"] in charts
    # Running header and page numbers.
    assert f"Page 3 of {len(pages)}" in pages[2]
    # Each turn: events, the moves, the rolls, and every change with its causes.
    starts = [page for depth, title, page in outline if depth == 1] + [
        titles["Expectation and outcome"]
    ]
    for turn, start, end in zip(data["turns"], starts, starts[1:], strict=False):
        text = _flat("".join(pages[start - 1 : end - 1]))
        for expected in (
            [event["title"] for event in turn["events"]]
            + ["Expected reactions", "Rationale", "Objective", "Public statement"]
            + ["Drawn: result", "Indicators: what changed, and why", "Narrative"]
            + [f"{roll['drawn']:.2f}" for roll in turn["rolls"] if roll["base"] is not None]
            + [f"{change['name']}" for change in turn["changes"]]
            + [cause["name"] for change in turn["changes"] for cause in change["causes"]]
        ):
            assert _flat(expected) in text, (turn["number"], expected)
    # Expectation against outcome: what each team did beside what the others expected.
    expectations = _flat("".join(pages[titles["Expectation and outcome"] - 1 :]))
    row = data["expectations"][0]
    assert _flat(row["expected"]) in expectations
    assert _flat(row["actual_actions"][0]["name"]) in expectations


def _flat(text: str) -> str:
    """Text without its spacing or case: pypdf breaks table cells into lines where they
    wrap, and headings are in capitals."""
    return "".join(text.split()).lower()


def test_the_pdf_keeps_every_override_with_its_reason(overridden):
    data = report_data(overridden.pk)
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes(data)))
    text = _flat("".join(page.extract_text() for page in reader.pages))
    for expected in (
        "Facilitator overrides",
        "Deterrence against North Korea adjusted by −4.5",
        "The missile test was bigger than the dice said.",
        "Narrative for Japan rewritten",
        "Clearer for the students.",
        "Tokyo's pledge lands well in Washington.",
        "Facilitator adjustment (−4.5)",  # among the causes of the change
        "Public statement",
        "Statement of china",
    ):
        assert _flat(expected) in text, expected


def _tables(data) -> dict[str, list[dict]]:
    bundle = zipfile.ZipFile(io.BytesIO(csv_bytes(data)))
    return {
        name.removesuffix(".csv"): list(csv.DictReader(io.StringIO(bundle.read(name).decode())))
        for name in bundle.namelist()
    }


def test_the_csv_tables_join_on_their_keys(demo):
    data = report_data(demo.pk, options=Options(include_messages=True))
    tables = _tables(data)
    assert {
        "participants",
        "moves",
        "actions",
        "rolls",
        "deltas",
        "indicators_by_turn",
        "messages",
        "questionnaire_answers",
        "data_dictionary",
    } <= set(tables)
    teams = {row["team"] for row in tables["teams"]}
    indicators = {row["id"] for row in tables["indicators"]}
    moves = {(row["turn"], row["team"]) for row in tables["moves"]}
    assert len(moves) == len(tables["moves"]) == 8 * 4
    assert {row["team"] for row in tables["participants"]} == teams
    for name in ("actions", "rolls"):
        assert tables[name]
        assert {(row["turn"], row["team"]) for row in tables[name]} <= moves
    assert {row["indicator"] for row in tables["deltas"]} <= indicators
    by_turn = {(row["turn"], row["indicator"]) for row in tables["indicators_by_turn"]}
    assert len(by_turn) == 9 * len(indicators)
    # Negative numbers stay numbers; the indicator values are the running sum of the deltas.
    assert any(row["amount"].startswith("-") for row in tables["deltas"])
    values = {
        (int(r["turn"]), r["indicator"]): float(r["value"]) for r in tables["indicators_by_turn"]
    }
    for indicator in indicators:
        moved = sum(float(r["amount"]) for r in tables["deltas"] if r["indicator"] == indicator)
        assert abs(values[(8, indicator)] - values[(0, indicator)] - moved) < 1e-6
    # Every table and column is in the data dictionary.
    described = {(row["table"], row["column"]) for row in tables["data_dictionary"]}
    for name, rows in tables.items():
        if name != "data_dictionary" and rows:
            assert {(name, column) for column in rows[0]} <= described


def test_csv_cells_that_look_like_formulas_are_neutralised(hostile):
    tables = _tables(report_data(hostile.pk, options=Options(include_messages=True)))
    assert "'" + FORMULA in [row["name"] for row in tables["participants"]]
    assert tables["messages"][0]["body"].startswith("'=HYPERLINK")
    assert all(row["objective"].startswith("'=") for row in tables["moves"])
    assert all(row["statement"].startswith("'-1") for row in tables["moves"])
    for rows in tables.values():
        for row in rows:
            for value in row.values():
                assert not (value or "").startswith(("=", "+", "@")), row


def test_the_json_validates_against_its_schema(demo, hostile):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    for exercise in (demo, hostile):
        for options in (Options(), Options(include_names=False, include_messages=True)):
            document = json.loads(json_bytes(report_data(exercise.pk, options=options)))
            errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]
            assert errors == []
            assert document["exercise"]["id"] == exercise.pk


def test_html_escapes_what_participants_wrote(hostile):
    html = render_html(report_data(hostile.pk, options=Options(include_messages=True)))
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") > 20  # names, objectives, expectations, messages, ...
    assert HOSTILE not in html


def test_pdf_shows_participants_text_as_text(hostile):
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes(report_data(hostile.pk))))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "<script>alert" in text.replace(" ", "")
