"""The lines of a message list, written in Python: every message sent renders its readers'
lists again (sixty lines each), and the template language's loop was the larger part of
that (bench/HISTORY.md)."""

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from wargame.exercises.models import Message
from wargame.exercises.selectors import MessageLine

register = template.Library()

EMPTY = SafeString('<li class="text-body-secondary">No messages yet.</li>')


@register.simple_tag
def message_lines(messages: list[MessageLine]) -> SafeString:
    if not messages:
        return EMPTY
    return SafeString("\n".join(_line(m) for m in messages))


def _line(m: MessageLine) -> str:
    return format_html(
        '<li class="message message-{} mb-1">\n'
        '    <span class="text-body-secondary">{}</span>\n'
        "    <strong>{}</strong>\n    {}\n"
        '    <span class="message-body">{}</span>\n  </li>',
        m.channel,
        timezone.localtime(m.created_at).strftime("%H:%M"),
        _sender(m),
        _badge(m),
        linebreaksbr(m.body, autoescape=True),
    )


def _sender(m: MessageLine) -> SafeString:
    if m.sender_name is None:
        return SafeString("White cell")
    return format_html("{} ({})", m.sender_name, m.sender_team_name)


def _badge(m: MessageLine) -> SafeString:
    if m.channel == Message.Channel.PRIVATE:
        return format_html(
            '<span class="badge text-bg-secondary">to {}</span>', m.recipient_team_name
        )
    if m.channel == Message.Channel.PUBLIC:
        return SafeString('<span class="badge text-bg-info">public</span>')
    return SafeString("")
