"""``manage.py export_report``: the same outputs from the command line."""

import io
import json
import zipfile

import pypdf
import pytest
from django.core.management import CommandError, call_command


@pytest.mark.parametrize("fmt", ["html", "csv", "json", "pdf"])
def test_export_report_writes_each_format(hostile, tmp_path, fmt):
    path = tmp_path / "out" / f"report.{fmt}"
    call_command(
        "export_report", str(hostile.pk), "--format", fmt, "-o", str(path), stderr=io.StringIO()
    )
    content = path.read_bytes()
    if fmt == "html":
        assert content.startswith(b"<!doctype html>") and b"Executive summary" in content
    elif fmt == "csv":
        assert "moves.csv" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    elif fmt == "json":
        assert json.loads(content)["exercise"]["id"] == hostile.pk
    else:
        assert len(pypdf.PdfReader(io.BytesIO(content)).pages) > 3


def test_export_report_can_leave_names_out(hostile, tmp_path):
    path = tmp_path / "report.json"
    call_command(
        "export_report", str(hostile.pk), "--format", "json", "--no-names", "-o", str(path),
        stderr=io.StringIO(),
    )  # fmt: skip
    names = [p["name"] for t in json.loads(path.read_text())["teams"] for p in t["participants"]]
    assert names[0] == "Japan 1"


def test_export_report_refuses_an_unknown_exercise(db, tmp_path):
    with pytest.raises(CommandError, match="No exercise 999"):
        call_command("export_report", "999", "--format", "json", "-o", str(tmp_path / "x"))
