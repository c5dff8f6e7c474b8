"""Parts of the team page, rendered once per version and served from the cache.

Every teammate re-fetches the same move form after each save, and every player in the
exercise the same history after each publication; rendering them again for each was most of
the team page's time under load (bench/README.md). A part is keyed by the versions that
notify.py moves in the same transaction as every change its readers are told about, so a
cached part is never older than what the database says.

Parts hold a placeholder where a form's CSRF token goes; each response gets its own token.
"""

from collections.abc import Callable

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from wargame.exercises.models import Exercise, Team

CSRF_PLACEHOLDER = "csrf-token-of-this-response"
FRAGMENT_SECONDS = 30 * 60


def exercise_version(exercise: Exercise) -> str:
    """For what everyone in the exercise sees alike."""
    return f"{exercise.pk}.{exercise.version}"


def team_version(exercise: Exercise, team: Team) -> str:
    """For what one team sees: public changes and its own."""
    return f"{exercise.pk}.{exercise.version}.{team.pk}.{team.version}"


def cached_fragment(
    request, template_name: str, build: Callable[[], dict], *, part: str, version: str
) -> SafeString:
    """``template_name`` rendered with ``build()``, or the copy cached for this version."""
    key = f"fragment:{part}:{version}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(template_name, {**build(), "csrf_token": CSRF_PLACEHOLDER})
        cache.set(key, html, FRAGMENT_SECONDS)
    return mark_safe(html.replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308
