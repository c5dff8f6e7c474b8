"""The project's own templates, compiled as a web process starts."""

import logging
from pathlib import Path

from django.conf import settings
from django.template import engines

logger = logging.getLogger(__name__)


def compile_project_templates() -> None:
    """Django compiles a template the first time a process renders it: after a restart, the
    first student each web process served waited for its page's templates to compile (a
    team page 136 ms of CPU instead of 62, bench/HISTORY.md). Compiled here instead, as the
    process starts, into the cached loader that every render reads from. A template that
    does not compile is logged and refused where it is used, as before."""
    engine = engines["django"]
    for folder in settings.TEMPLATES[0]["DIRS"]:
        root = Path(folder)
        for path in sorted(root.rglob("*.html")):
            name = path.relative_to(root).as_posix()
            try:
                engine.get_template(name)
            except Exception:  # a page that cannot render must not stop the others
                logger.exception("The template %r does not compile", name)
