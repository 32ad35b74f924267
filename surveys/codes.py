"""Codes residents type from a letter or note down to resume: short, unambiguous,
and stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

# No 0/O, 1/I/L or 5/S: codes are read off paper and typed on phones.
ALPHABET = "ABCDEFGHJKMNPQRTUVWXYZ2346789"
CODE_LENGTH = 12  # 29**12 is about 3.5e17 codes: guessing one is infeasible


def code_generate() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def code_normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(code_normalise(code).encode()).hexdigest()


def erasure_hash(code: str) -> str:
    """The invitation code as a response keeps it (Response.erasure_code_hash): keyed with the
    secret key, so it cannot be joined to Invitation.code_hash without the code itself."""
    from django.utils.crypto import salted_hmac

    return salted_hmac("collab.erasure_code", code_normalise(code), algorithm="sha256").hexdigest()
