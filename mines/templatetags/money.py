from django import template

from mines.money import WAN, YI, group, to_yuan

register = template.Library()


@register.filter
def yuan(value):
    """1234567.8 → 1,234,567.80"""
    if value in (None, ""):
        return "—"
    return group(to_yuan(value))


@register.filter
def wan(value):
    """Yuan shown in 万元 (10⁴ yuan) with two places: 12345678 → 1,234.57"""
    if value in (None, ""):
        return "—"
    return group(to_yuan(value) / WAN)


@register.filter
def yi(value):
    """Yuan shown in 亿元 (10⁸ yuan) with two places: 1360000000 → 13.60"""
    if value in (None, ""):
        return "—"
    return group(to_yuan(value) / YI)


@register.filter
def yuan_abs(value):
    """The amount without its sign, for a line whose kind already says which way the money went."""
    if value in (None, ""):
        return "—"
    return group(abs(to_yuan(value)))
