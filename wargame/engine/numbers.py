"""Numbers as players read them, and the one rounding rule of the game."""

import math


def fmt(value: float) -> str:
    """64.0 -> "64", 2.5 -> "2.5", 1/3 -> "0.33"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def signed(value: float) -> str:
    """A delta with its sign: "+4", "-2.5", "0"."""
    text = fmt(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def level_cost(cost: int, level: float) -> int:
    """Cost at an intensity: ceil(cost * level), ignoring float noise (10 * 0.3 is 3)."""
    return math.ceil(round(cost * level, 9))
