"""A web process compiles the project's templates as it starts, before its first student."""

import logging

import pytest
from django.template import engines
from django.template.loader import render_to_string

from wargame.core.templates import compile_project_templates


def _compiled() -> set[str]:
    loader = engines["django"].engine.template_loaders[0]
    return {template.origin.template_name for template in loader.get_template_cache.values()}


@pytest.fixture
def fresh_engine(settings):
    """A process's template engine as it starts: nothing compiled yet."""
    settings.TEMPLATES = [{**settings.TEMPLATES[0]}]
    return settings


def test_every_page_and_fragment_is_compiled_before_the_first_request(fresh_engine):
    assert "exercises/team.html" not in _compiled()
    compile_project_templates()
    assert {
        "exercises/team.html",
        "exercises/_move.html",
        "exercises/_move_fields.html",
        "exercises/control_room.html",
        "reports/document.html",
    } <= _compiled()


def test_a_template_that_does_not_compile_is_logged_and_the_others_still_are(
    fresh_engine, tmp_path, caplog
):
    (tmp_path / "broken.html").write_text("{% if %}")
    (tmp_path / "latin1.html").write_bytes("<p>Café</p>".encode("latin-1"))
    (tmp_path / "fine.html").write_text("<p>{{ name }}</p>")
    fresh_engine.TEMPLATES = [{**fresh_engine.TEMPLATES[0], "DIRS": [tmp_path]}]
    with caplog.at_level(logging.ERROR, logger="wargame.core.templates"):
        compile_project_templates()
    assert "'broken.html' does not compile" in caplog.text
    assert "'latin1.html' does not compile" in caplog.text
    assert "fine.html" in _compiled()
    assert render_to_string("fine.html", {"name": "Bea"}) == "<p>Bea</p>"
