"""A council's own wording of its invitation e-mails and letters, with ((placeholders)) in the
style of GOV.UK Notify, so no template language is open to what administrators type.

    Dear ((name)), ((council)) would like to hear from you in ((survey)) ...
"""

from __future__ import annotations

import re

PLACEHOLDERS = {
    "name": "the invitee's name, or “resident”",
    "council": "the council's name",
    "survey": "the survey's title",
    "link": "the web address to enter the code at",
    "code": "the invitee's code",
    "use_by": "the last day the code works, or nothing",
    "reference": "the invitee's reference, as printed on letters",
    "contact": "the survey's contact line",
}
PLACEHOLDER = re.compile(r"\(\(\s*([a-z_]+)\s*\)\)")
# What an e-mail must say for the resident to be able to answer.
EMAIL_NEEDS = ("link", "code")


def wording_problems(text: str, *, needs: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with a wording: unknown placeholders, and needed ones left out."""
    used = set(PLACEHOLDER.findall(text))
    problems = [
        f"(({name})) is not a placeholder. Use: "
        + ", ".join(f"(({p}))" for p in PLACEHOLDERS)
        + "."
        for name in sorted(used - set(PLACEHOLDERS))
    ]
    problems += [
        f"Put (({name})) in the text: residents need it." for name in needs if name not in used
    ]
    return problems


def wording_render(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)
