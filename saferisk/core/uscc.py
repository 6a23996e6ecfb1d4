"""Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters, the last a check
character computed from the first 17 with weights 3^i mod 31 over a 31-character alphabet.
Pure module: no Django import."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(ALPHABET)}

_FULL_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {
    chr(0xFF21 + i): chr(0x41 + i) for i in range(26)
}


def normalise(raw: str) -> str:
    """Upper-case, half-width, no spaces: the form we store."""
    if raw.isascii() and raw.isalnum():
        return raw.upper()  # the common case, without the per-character walk
    text = "".join(_FULL_WIDTH.get(c, c) for c in raw.strip())
    text = text.replace(" ", "").replace("\u3000", "")
    text = "".join(_FULL_WIDTH.get(c.upper(), c) for c in text)
    return text.upper()


def check_character(first17: str) -> str:
    """The check character for the first 17 characters (which must be from the alphabet)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate(code: str) -> str | None:
    """None if `code` is a valid USCC, else the reason in Chinese."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位，实际为{len(code)}位"
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return f"统一社会信用代码含有非法字符：{''.join(bad)}"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3～8位应为行政区划代码"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误（应为{expected}）"
    return None


def is_valid(code: str) -> bool:
    return validate(code) is None


def make(region6: str, body9: str, registry: str = "9", kind: str = "1") -> str:
    """Build a valid code from its parts (used by the demo generator and tests)."""
    first17 = f"{registry}{kind}{region6}{body9}"
    return first17 + check_character(first17)
