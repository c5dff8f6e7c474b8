from django import template

from wargame.engine.numbers import fmt, signed

register = template.Library()


@register.filter
def pct(share: float) -> str:
    """0.237 -> "24%"."""
    return f"{share * 100:.0f}%"


@register.filter
def pct_points(change: float) -> str:
    """A change of share in percentage points, with its sign: "+5", "-12", "0"."""
    points = round(change * 100)
    return f"+{points}" if points > 0 else str(points)


@register.filter
def num(value: float) -> str:
    return fmt(round(value, 1))


@register.filter
def signed_num(value: float) -> str:
    return signed(round(value, 1))


@register.filter
def bar(share: float) -> str:
    """A width for an inline bar, in percent of its track."""
    return f"{max(0.0, min(1.0, share)) * 100:.1f}%"
