"""Money is Decimal yuan with two places; officials read it in 万元 and 亿元."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
WAN = Decimal("10000")
YI = Decimal("100000000")


def to_yuan(value) -> Decimal:
    return Decimal(value if value is not None else 0).quantize(CENT, rounding=ROUND_HALF_UP)


def group(value: Decimal, places: int = 2) -> str:
    """Thousands separators, fixed places: 1234567.8 → '1,234,567.80'."""
    quantum = Decimal(1).scaleb(-places)
    return f"{Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"
