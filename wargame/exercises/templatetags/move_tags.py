"""The move form's fields with their label, help and errors, as Bootstrap lays them out.

Written in Python rather than included as a template per field: every save renders the
form again (some thirty fields), and an include per field was a third of that
(bench/README.md).
"""

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


def _errors(field: BoundField) -> SafeString:
    return format_html_join(
        "",
        '<div class="invalid-feedback d-block"><strong>{}</strong></div>',
        ((error,) for error in field.errors),
    )


def _help(field: BoundField) -> SafeString:
    if not field.help_text:
        return SafeString("")
    return format_html(
        '<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text
    )


@register.simple_tag
def move_field(field: BoundField, wrapper_class: str = "") -> SafeString:
    """A field under its label."""
    return format_html(
        '<div id="div_{}" class="mb-3{}">\n'
        '  <label for="{}" class="form-label">{}</label>\n  {}\n  {}{}\n</div>',
        field.auto_id,
        f" {wrapper_class}" if wrapper_class else "",
        field.id_for_label,
        field.label,
        field,
        _help(field),
        _errors(field),
    )


@register.simple_tag
def move_choice(field: BoundField) -> SafeString:
    """An action's checkbox, its label beside it."""
    return format_html(
        '<div class="mb-3">\n  <div id="div_{}" class="form-check">\n    {}\n'
        '    <label for="{}" class="form-check-label">{}</label>\n'
        '    <div id="{}_helptext" class="form-text">{}</div>\n    {}\n  </div>\n</div>',
        field.auto_id,
        field,
        field.id_for_label,
        field.label,
        field.auto_id,
        field.help_text,
        _errors(field),
    )
