"""Masking of personal data in lists and exports (pure; no Django import)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """138****5678 for mobile numbers; other numbers keep their first 3 and last 2 characters."""
    digits = phone.strip()
    if len(digits) == 11 and digits.isdigit():
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 5:
        return digits[:3] + "*" * (len(digits) - 5) + digits[-2:]
    return digits
