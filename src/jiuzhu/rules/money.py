"""Money at the boundary of the engine: Decimal yuan outside, integer fen inside (B-05).

No float ever carries an amount: parsing goes through Decimal, arithmetic on fen is integer.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

FEN_PER_YUAN = 100
RATIO_SCALE = 10_000  # ratios are carried as integers in units of 1/10,000
_CENT = Decimal("0.01")
# No amount of social assistance, income or assets comes near ten billion yuan: anything
# larger is a typing or file error (and would overflow the integer fen of the engine).
MAX_YUAN = Decimal("9999999999.99")


def parse_yuan(value: object) -> Decimal:
    """Parse a yuan amount given as a string, int or Decimal; at most two decimal places."""
    if isinstance(value, bool):
        raise ValueError("an amount must be a number, not true/false")
    if isinstance(value, float):
        # JSON numbers are parsed to Decimal upstream; a float here comes from a binary file
        # and is taken at its shortest decimal representation, never used in arithmetic.
        value = repr(value)
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if "e" in text.lower():
            raise ValueError(f"write the amount in plain digits, without an exponent: {value!r}")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not an amount: {value!r}") from None
    else:
        raise ValueError(f"not an amount: {value!r}")
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    if abs(amount) > MAX_YUAN:
        raise ValueError(f"out of range: {str(value)!r} (at most {MAX_YUAN:,} yuan)")
    if amount != amount.quantize(_CENT):
        raise ValueError(f"more than two decimal places: {value!r}")
    return amount


def yuan_to_fen(amount: Decimal) -> int:
    """Exact conversion of a yuan Decimal with at most two places to integer fen."""
    return int((amount * FEN_PER_YUAN).to_integral_exact())


def fen_to_yuan(fen: int) -> Decimal:
    """Integer fen to a two-place Decimal yuan."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(_CENT)


def fen_str(fen: int) -> str:
    """Integer fen as the decimal string with two places used in every JSON output."""
    return str(fen_to_yuan(fen))


def ratio_to_units(ratio: Decimal) -> int:
    """A ratio such as 1.5 as an integer number of 1/10,000 (15,000); exact or an error."""
    scaled = ratio * RATIO_SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"ratio {ratio} has more than four decimal places")
    return int(scaled)
