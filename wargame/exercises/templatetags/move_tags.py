"""The move form's fields with their label, help and errors, as Bootstrap lays them out.

Written in Python rather than included as a template per field: every save renders the
form again (some thirty fields), and an include per field was a third of that
(bench/HISTORY.md). The widgets too: the markup of Django's Jinja2 widget templates
(``FormRenderer``), written here, for less than half the CPU per widget; any widget not written
here is rendered by Django.
"""

from django import forms, template
from django.forms import BoundField
from django.forms.boundfield import BoundWidget
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from markupsafe import escape

register = template.Library()


def _attrs(attrs: dict) -> str:
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
    return (
        f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: dict) -> str:
    text = escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{text}</textarea>'


def _select(widget: dict) -> str | None:
    groups = widget["optgroups"]
    if any(name for name, _, _ in groups):
        return None
    options = "".join(
        f'\n  <option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
        f"{escape(option['label'])}</option>"
        for _, group, _ in groups
        for option in group
    )
    return f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>{options}\n</select>'


_WRITERS = {
    forms.CheckboxInput: _input,
    forms.TextInput: _input,
    forms.HiddenInput: _input,
    forms.Textarea: _textarea,
    forms.Select: _select,
}


def _widget(field: BoundField) -> SafeString:
    """``str(field)``: its widget as Django renders it, attributes and value included."""
    widget, write = field.field.widget, _WRITERS.get(type(field.field.widget))
    if write is None or field.field.show_hidden_initial or field.field.localize:
        return mark_safe(str(field))  # noqa: S308 (Django's rendering)
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    html = write(widget.get_context(field.html_name, field.value(), attrs)["widget"])
    return mark_safe(str(field) if html is None else html)  # noqa: S308 (Django's, or escaped above)


@register.simple_tag
def move_radio(radio: BoundWidget) -> SafeString:
    """``radio.tag``: one option of a radio field, its label left to the template."""
    return mark_safe(_input(radio.data))  # noqa: S308 (escaped above)


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
        _widget(field),
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
        _widget(field),
        field.id_for_label,
        field.label,
        field.auto_id,
        field.help_text,
        _errors(field),
    )
