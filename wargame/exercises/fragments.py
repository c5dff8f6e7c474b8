"""Parts of the team page, rendered once per version and served from the cache.

Every teammate re-fetches the same move form after each save, and every player in the
exercise the same history after each publication; rendering them again for each was most of
the team page's time under load (bench/HISTORY.md). A part is keyed by the versions that
notify.py moves in the same transaction as every change its readers are told about, so a
cached part is never older than what the database says.

Parts hold a placeholder where a form's CSRF token goes; each response gets its own token.
A whole page (``cached_page``) is cached the same way for each of its readers, with the
server's clock filled in per response too.

Since a key names the versions of everything in it, each process also keeps its own copies
of the parts and pages it read or wrote lately (``LocalCopies``): as current as Redis's, and
read without a round trip or unpickling some seventy kilobytes of team page.
"""

import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from time import monotonic

from cachetools import TTLCache
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe

from wargame.exercises.models import Exercise, Team

CSRF_PLACEHOLDER = "csrf-token-of-this-response"
# Where the token goes: the forms' hidden input and the page's htmx headers (base.html).
# Only these are filled in, never the placeholder's text where a user typed it.
CSRF_SLOTS = (
    'name="csrfmiddlewaretoken" value="{}"',
    '{{"X-CSRFToken": "{}"}}',
)
FRAGMENT_SECONDS = 30 * 60
LOCAL_COPIES_BYTES = 32 * 1024 * 1024  # per process


class LocalCopies:
    """The last parts and pages this process read from the cache or stored in it, by the
    cache's own key (its prefix and version included), for as long as the cache keeps them
    (``FRAGMENT_SECONDS``); the least recently used go first when they outgrow ``size``
    bytes.

    A page completed with its estimate is stored again under the same key
    (``cached_page``), and its copy replaced; a copy read from the cache never replaces one
    already here, which may be that completed page. Another process's completion reaches
    this one through the panel's own lookup (``panel_filled``).
    """

    def __init__(
        self, size: int, seconds: int = FRAGMENT_SECONDS, timer: Callable[[], float] = monotonic
    ) -> None:
        self._copies = TTLCache(maxsize=size, ttl=seconds, timer=timer, getsizeof=_size_in_memory)
        self._lock = threading.Lock()

    def get_many(self, keys: list[str]) -> dict:
        with self._lock:
            found = {key: self._copies.get(cache.make_key(key)) for key in keys}
        return {key: value for key, value in found.items() if value is not None}

    def set_many(self, values: dict, *, replace: bool = True) -> None:
        with self._lock:
            for key, value in values.items():
                name = cache.make_key(key)
                fits = _size_in_memory(value) <= self._copies.maxsize
                if fits and (replace or name not in self._copies):
                    self._copies[name] = value


def _size_in_memory(value: str | tuple) -> int:
    return sys.getsizeof(value if isinstance(value, str) else value[0])


local_copies = LocalCopies(LOCAL_COPIES_BYTES)


def _read(keys: list[str]) -> dict:
    """From this process's copies first, then from the cache."""
    found = local_copies.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        shared = cache.get_many(missing)
        local_copies.set_many(shared, replace=False)
        found |= shared
    return found


def _store(values: dict) -> None:
    cache.set_many(values, FRAGMENT_SECONDS)
    local_copies.set_many(values)


def exercise_version(exercise: Exercise) -> str:
    """For what everyone in the exercise sees alike."""
    return f"{exercise.pk}.{exercise.version}"


def team_version(exercise: Exercise, team: Team) -> str:
    """For what one team sees: public changes and its own."""
    return f"{exercise.pk}.{exercise.version}.{team.pk}.{team.version}"


@dataclass(frozen=True)
class Part:
    """A part of a page: its template, what renders it, and the version it is cached for."""

    name: str
    template_name: str
    build: Callable[[], dict]
    version: str

    @property
    def key(self) -> str:
        return f"fragment:{self.name}:{self.version}"


def rendered_parts(*parts: Part) -> dict[Part, str]:
    """Each part's HTML, with the CSRF placeholder in it, read from the cache in one round
    trip; missing ones are rendered and stored. A template may show ``part_version`` (as
    ``data-part-version``), so that a browser can tell an older part from a newer one."""
    found = _read([part.key for part in parts])
    rendered = {
        part.key: render_to_string(
            part.template_name,
            {**part.build(), "csrf_token": CSRF_PLACEHOLDER, "part_version": part.version},
        )
        for part in parts
        if part.key not in found
    }
    if rendered:
        _store(rendered)
    html = found | rendered
    return {part: html[part.key] for part in parts}


def page_parts(*parts: Part) -> dict[str, SafeString]:
    """Each part's HTML with the CSRF placeholder still in it, for a page cached whole
    (``cached_page``), which gets each response's own token when it is served."""
    html = rendered_parts(*parts)
    return {part.name: mark_safe(h) for part, h in html.items()}  # noqa: S308 (our own rendering)


def with_csrf_token(request, html: str) -> SafeString:
    if CSRF_PLACEHOLDER in html:
        token = get_token(request)
        for slot in CSRF_SLOTS:
            html = html.replace(slot.format(CSRF_PLACEHOLDER), slot.format(token))
    return mark_safe(html)  # noqa: S308 (our own rendering)


def cached_fragment(request, part: Part) -> SafeString:
    """The part's HTML for this response, with its own CSRF token in place of the
    placeholder."""
    return with_csrf_token(request, rendered_parts(part)[part])


NOW_PLACEHOLDER = "server-time-of-this-response"
SERVER_NOW = re.compile(r'data-server-now="[^"]*"')  # templates/base.html


@dataclass(frozen=True)
class Page:
    """A page rendered with ``csrf_token`` set to the placeholder.

    ``expires``: a turn's deadline shown on the page. Past it the page is rendered again,
    since rendering it is what locks a turn whose deadline passed before any sweep did.
    """

    html: str
    expires: datetime | None = None


def cached_page(
    request,
    key: str,
    render: Callable[[], Page],
    fill: Callable[[str], tuple[str, bool]] | None = None,
) -> str:
    """The page for this response: from the cache when it is there and still current,
    otherwise rendered and stored. ``key`` must hold every version the page shows.

    ``fill``: fills in, per response, what the page was stored without because it was not
    ready then (a decision-support estimate), and says whether the page is then complete;
    a page it completes is stored again, so that the next reader has nothing to fill in.

    A page with a one-time notice in it (Django messages) is neither read nor stored.
    """
    if len(get_messages(request)):
        page = render()
        return _for_response(request, fill(page.html)[0] if fill else page.html)
    found = _read([key]).get(key)
    if found is not None and (found[1] is None or found[1] > timezone.now()):
        html, expires = found
    else:
        page = render()
        html = SERVER_NOW.sub(f'data-server-now="{NOW_PLACEHOLDER}"', page.html, count=1)
        expires = page.expires
        _store({key: (html, expires)})
    if fill is not None:
        filled, complete = fill(html)
        if complete and filled != html:
            _store({key: (filled, expires)})
        html = filled
    return _for_response(request, html)


def _for_response(request, html: str) -> str:
    now = dateformat.format(timezone.localtime(), "c")
    return with_csrf_token(request, html).replace(NOW_PLACEHOLDER, now, 1)


def preview_key(exercise: Exercise, team_key: str, package: str) -> str:
    """The decision-support panel as rendered for a package (``preview.package_key``)."""
    return f"fragment:preview:{team_key}:{package}:{exercise_version(exercise)}"


PANEL_SLOT = "<!--decision-support-panel-->"
LOAD_SLOT = "decision-support-load "
WAITING_PANEL = (
    '<div class="card-header"><h2 class="h6 mb-0">Decision support</h2></div>\n'
    '<div class="card-body small text-body-secondary">'
    "Estimating what your package is likely to do…</div>"
)
PACKAGE = re.compile(r'data-package="([0-9a-f]+)"')


def waiting_key(exercise: Exercise, team_key: str, package: str) -> str:
    """The panel saying that a worker is simulating the package (never the panel's own key)."""
    return f"{preview_key(exercise, team_key, package)}:waiting"


def with_panel(
    html: str, exercise: Exercise, team_key: str, *, only_ready: bool = False
) -> SafeString:
    """The move form with its decision-support panel already in it when the draft's package
    has been estimated (the usual case after a save), or with the panel that waits for the
    estimate a worker is simulating; otherwise the panel asks on load.

    Every teammate re-fetches the form after a save; this spares each a second request.
    ``only_ready``: fill in an estimate only, and otherwise leave the slot for the response
    (a page cached with its estimate in it needs no look for the panel when it is read).
    """
    filled, complete = panel_filled(html, exercise, team_key)
    return filled if complete or not only_ready else mark_safe(html)  # noqa: S308


def panel_filled(html: str, exercise: Exercise, team_key: str) -> tuple[SafeString, bool]:
    """``with_panel``, and whether the HTML is now complete: it has no panel to fill, or
    its panel holds the estimate (not one that waits or asks for it)."""
    match = PACKAGE.search(html) if PANEL_SLOT in html else None
    if match is None:
        return mark_safe(html), True  # noqa: S308 (our own rendering)
    package = match.group(1)
    ready, waiting = (
        preview_key(exercise, team_key, package),
        waiting_key(exercise, team_key, package),
    )
    found = cache.get_many([ready, waiting])
    panel = found.get(ready, found.get(waiting))
    if panel is not None:
        html = html.replace(LOAD_SLOT, "").replace(PANEL_SLOT, panel)
    else:
        html = html.replace(LOAD_SLOT, "load, ").replace(PANEL_SLOT, WAITING_PANEL)
    return mark_safe(html), ready in found  # noqa: S308 (our rendering and the cached panel)
