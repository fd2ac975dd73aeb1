"""Masking and checking of personal identifiers. Pure functions, no Django."""

import re

_PHONE = re.compile(r"^(?:\+?86[- ]?)?(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def mask_name(value: str) -> str:
    """李四 → 李*: the first character only, never the length; "" for no name."""
    value = (value or "").strip()
    return f"{value[0]}*" if value else ""


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; keeps the first three and last four characters."""
    value = value or ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_id(value: str) -> str:
    """330681199001011234 → 330681********1234; keeps the region prefix and last four."""
    value = value or ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def valid_phone(value: str) -> bool:
    return bool(_PHONE.match(value.strip()))


def valid_resident_id(value: str) -> bool:
    """An 18-character resident identity number with a correct check digit (GB 11643)."""
    value = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def credit_code_check(body: str) -> str:
    """The check character (GB 32100) of the first 17 characters of a credit code."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def valid_credit_code(value: str) -> bool:
    """An organisation's 18-character unified social credit code (GB 32100) with a correct
    check character: the shape alone would let any 18 digits through — a mistyped ID number
    among them. Registration, the import and the subject-access search all ask this."""
    value = value.strip().upper()
    return bool(_USCC.match(value)) and credit_code_check(value[:17]) == value[17]
