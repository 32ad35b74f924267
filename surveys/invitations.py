"""Invitations: invitee lists, e-mails, printed letters, reminders and response rates.

Codes and personal data
    An Invitee (name, e-mail, postal address) is kept apart from its Invitation (a code hash
    and an area), and responses link to the invitation only. A code is never stored: it is
    generated at the moment an e-mail is sent or a letter is printed, its sha256 replaces the
    invitation's hash, and the plain code lives only in that e-mail or that letter. Until then
    the invitation holds the hash of a code nobody was ever shown.

Reissuing and reminders
    Every e-mail, letter and reminder carries a fresh code and so invalidates the earlier one
    (the reminder says so). A resident who already started with the old code loses nothing:
    the new code opens the same invitation, and so the same response in progress. Keeping one
    valid hash per invitation means no extra storage and nothing to revoke by hand when a
    letter is lost: print it again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from surveys.audit import audit_log
from surveys.codes import code_generate, code_hash
from surveys.errors import SurveyError
from surveys.imports import Problem, UploadRejected, csv_rows
from surveys.models import Area, Invitation, Invitee, Survey

INVITEE_COLUMNS = ("name", "email", "postal_address", "area")
REQUIRED_COLUMNS = ("email", "postal_address", "area")
EMAIL_BATCH = 100
MAX_ATTEMPTS = 3
# A worker holds its claim on an invitee only while it sends one e-mail; a claim this old was
# left by a worker that died, and another worker may take it over.
CLAIM_TIMEOUT = dt.timedelta(minutes=10)


# ---------------------------------------------------------------------------------------------
# The invitee list


def invitees_import(*, survey: Survey, text: str, actor=None) -> int:
    """Add every invitee of a CSV file (columns name, email, postal_address, area) or none.

    Every row is checked before anything is stored: an e-mail address or a postal address,
    a well-formed e-mail, a known area code, no row or invitee given twice, nobody already
    invited to this survey. Returns how many invitees were added (their e-mails are queued
    separately, by invitations_queue).
    """
    header, rows = csv_rows(text)
    problems = [
        Problem(1, name, f"Unknown column. Use: {', '.join(INVITEE_COLUMNS)}.")
        for name in header
        if name not in INVITEE_COLUMNS
    ] + [
        Problem(1, name, "Missing column (it may be empty in some rows, but must be there).")
        for name in REQUIRED_COLUMNS
        if name not in header
    ]
    if problems:
        raise UploadRejected(problems)

    areas = {a.code: a for a in Area.objects.filter(council_id=survey.council_id)}
    invited = {
        e.lower()
        for e in Invitee.objects.filter(survey=survey)
        .exclude(email="")
        .values_list("email", flat=True)
    }
    invited_addresses = {
        (n.strip().lower(), a.strip().lower())
        for n, a in Invitee.objects.filter(survey=survey)
        .exclude(postal_address="")
        .values_list("name", "postal_address")
    }
    seen_emails: dict[str, int] = {}
    seen_addresses: dict[tuple[str, str], int] = {}
    seen_rows: dict[tuple[str, ...], int] = {}
    clean: list[dict] = []
    for n, cells in rows:
        row = {name: cells[i].strip() for i, name in enumerate(header)}
        row.setdefault("name", "")
        key = tuple(row[c] for c in header)
        if key in seen_rows:
            problems.append(Problem(n, None, f"Duplicate row: the same as row {seen_rows[key]}."))
            continue
        seen_rows[key] = n
        email, address = row["email"], row["postal_address"]
        if not email and not address:
            problems.append(
                Problem(n, "email", "Give an e-mail address or a postal address (or both).")
            )
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(Problem(n, "email", f"‘{email}’ is not a valid e-mail address."))
            else:
                lowered = email.lower()
                if lowered in seen_emails:
                    problems.append(
                        Problem(
                            n, "email", f"Duplicate invitee: also on row {seen_emails[lowered]}."
                        )
                    )
                elif lowered in invited:
                    problems.append(
                        Problem(n, "email", "Already invited to this survey (an earlier upload).")
                    )
                seen_emails.setdefault(lowered, n)
        if address and not email:
            who = (row["name"].lower(), address.lower())
            if who in seen_addresses:
                problems.append(
                    Problem(
                        n,
                        "postal_address",
                        "Duplicate invitee: the same name and address as row "
                        f"{seen_addresses[who]}.",
                    )
                )
            elif who in invited_addresses:
                problems.append(
                    Problem(
                        n, "postal_address", "Already invited to this survey (an earlier upload)."
                    )
                )
            seen_addresses.setdefault(who, n)
        if row["area"] and row["area"] not in areas:
            problems.append(
                Problem(
                    n,
                    "area",
                    f"‘{row['area']}’ is not one of this council's areas. Use: "
                    f"{', '.join(areas) or '(no areas are set up)'}.",
                )
            )
        clean.append(row)
    if problems:
        raise UploadRejected(problems)

    with transaction.atomic():
        # Hashes of codes nobody is ever shown: an invitation opens nothing until a code is
        # issued to it by an e-mail or a letter.
        invitations = Invitation.objects.bulk_create(
            [
                Invitation(
                    survey=survey,
                    code_hash=code_hash(code_generate()),
                    area=areas.get(row["area"]),
                )
                for row in clean
            ],
            batch_size=1000,
        )
        Invitee.objects.bulk_create(
            [
                Invitee(
                    survey=survey,
                    invitation=invitation,
                    name=row["name"],
                    email=row["email"],
                    postal_address=row["postal_address"],
                    area=areas.get(row["area"]),
                )
                for invitation, row in zip(invitations, clean, strict=True)
            ],
            batch_size=1000,
        )
        audit_log(actor=actor, action="invitees_uploaded", survey=survey, count=len(clean))
    return len(clean)


def code_expires_at(*, survey: Survey, now: dt.datetime) -> dt.datetime | None:
    """When a code issued now stops working: at the end of the last day the survey's
    invitation_code_days allows (UK time), or None: it works until the survey closes."""
    if survey.invitation_code_days is None:
        return None
    last_day = timezone.localdate(now) + dt.timedelta(days=survey.invitation_code_days)
    return timezone.make_aware(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time()))


def code_use_by(*, survey: Survey, expires_at: dt.datetime | None) -> str:
    """“14 March 2026” or “5:30pm on 14 March 2026”: the last moment a code can be used, the
    earlier of its expiry and the survey's closing, in residents' words; "" when neither."""
    moments = [m for m in (expires_at, survey.closes_at) if m is not None]
    if not moments:
        return ""
    local = timezone.localtime(min(moments))
    if local.time() == dt.time():
        return _day(local.date() - dt.timedelta(days=1))
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'} on {_day(local.date())}"


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _code_issue(invitee: Invitee) -> tuple[str, dt.datetime | None]:
    """A fresh code for this invitee's invitation, and when it expires: the previous code
    stops working."""
    code = code_generate()
    expires_at = code_expires_at(survey=invitee.survey, now=timezone.now())
    Invitation.objects.filter(pk=invitee.invitation_id).update(
        code_hash=code_hash(code), expires_at=expires_at
    )
    return code, expires_at


def survey_link() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("surveys:code")


# ---------------------------------------------------------------------------------------------
# E-mail


def invitations_queue(*, survey: Survey, actor=None, reminders: bool = False) -> int:
    """Queue e-mails: invitations to everyone not yet e-mailed (and retries of failures), or
    reminders to everyone e-mailed who has not responded. Sent by a Celery task in batches,
    after this transaction commits. Returns how many were queued."""
    from surveys.tasks import send_invitation_emails

    invitees = Invitee.objects.filter(survey=survey).exclude(email="")
    with transaction.atomic():
        if reminders:
            chosen = invitees.filter(status=Invitee.Status.SENT)
            ids = list(chosen.values_list("id", flat=True))
            chosen.update(
                status=Invitee.Status.QUEUED,
                reminders=F("reminders") + 1,
                attempts=0,
                last_error="",
            )
        else:
            chosen = invitees.filter(_to_send())
            ids = list(chosen.values_list("id", flat=True))
            chosen.filter(status=Invitee.Status.FAILED).update(
                status=Invitee.Status.QUEUED, attempts=0
            )
        for start in range(0, len(ids), EMAIL_BATCH):
            batch = ids[start : start + EMAIL_BATCH]
            transaction.on_commit(lambda batch=batch: send_invitation_emails.delay(batch))
        audit_log(
            actor=actor,
            action="reminders_queued" if reminders else "invitations_queued",
            survey=survey,
            count=len(ids),
        )
    return len(ids)


def _to_send() -> Q:
    """Invitees an invitation e-mail can be queued for: not sent yet, failed, or claimed by
    a worker that died (its claim is taken over when the batch runs)."""
    abandoned = Q(status=Invitee.Status.SENDING, claimed_at__lt=timezone.now() - CLAIM_TIMEOUT)
    return Q(status__in=[Invitee.Status.QUEUED, Invitee.Status.FAILED]) | abandoned


def _email_message(
    invitee: Invitee, code: str, expires_at: dt.datetime | None, connection
) -> mail.EmailMessage:
    survey = invitee.survey
    context = {
        "invitee": invitee,
        "survey": survey,
        "code": code,
        "use_by": code_use_by(survey=survey, expires_at=expires_at),
        "link": survey_link(),
        "reminder": invitee.reminders > 0,
    }
    subject = ("Reminder: " if invitee.reminders else "") + f"{survey.council.name}: {survey.title}"
    return mail.EmailMessage(
        subject=subject,
        body=render_to_string("surveys/invitations/email.txt", context),
        to=[invitee.email],
        connection=connection,
    )


def _email_claim(invitee_id: int, *, now: dt.datetime) -> uuid.UUID | None:
    """Claim one invitee's e-mail for this worker: queued -> sending, with a token.

    A conditional UPDATE, so of two workers given the same invitee (a task redelivered under
    acks_late, a batch queued twice) only the one whose UPDATE matched sends. A claim older
    than CLAIM_TIMEOUT belongs to a worker that died mid-batch and may be taken over.
    """
    token = uuid.uuid4()
    claimed = (
        Invitee.objects.filter(pk=invitee_id)
        .filter(
            Q(status=Invitee.Status.QUEUED)
            | Q(status=Invitee.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
        )
        .update(status=Invitee.Status.SENDING, claim_token=token, claimed_at=now)
    )
    return token if claimed else None


def invitation_emails_send(*, invitee_ids: list[int]) -> list[int]:
    """Send the queued e-mails among these invitees; returns the ids to try again later.

    Each e-mail carries a new code. Safe to run twice, even at the same moment: each invitee
    is claimed (see _email_claim) before its code is issued and its e-mail sent, and only the
    claim's holder records the outcome. An invitee already sent, being sent by another
    worker, or who responded meanwhile is skipped. A failure is recorded on the invitee;
    after MAX_ATTEMPTS it is marked failed and left for an officer to look at.

    The one window left is a worker that dies after the mail server accepted an e-mail and
    before it is recorded as sent: after CLAIM_TIMEOUT that e-mail is sent again (with a new
    code, so only the second one works). Sending at most once would mean sometimes never.
    """
    retry: list[int] = []
    with mail.get_connection() as connection:
        for invitee_id in invitee_ids:
            token = _email_claim(invitee_id, now=timezone.now())
            if token is None:
                continue
            invitee = (
                Invitee.objects.select_related("survey__council").filter(pk=invitee_id).first()
            )
            if invitee is None:  # erased with its survey's retention since the claim
                continue
            mine = Invitee.objects.filter(
                pk=invitee_id, status=Invitee.Status.SENDING, claim_token=token
            )
            code, expires_at = _code_issue(invitee)
            try:
                _email_message(invitee, code, expires_at, connection).send()
            except Exception as error:  # any transport error: recorded on the invitee
                attempts = invitee.attempts + 1
                failed = attempts >= MAX_ATTEMPTS
                mine.update(
                    attempts=attempts,
                    last_error=f"{type(error).__name__}: {error}"[:500],
                    status=Invitee.Status.FAILED if failed else Invitee.Status.QUEUED,
                    claim_token=None,
                    claimed_at=None,
                )
                if not failed:
                    retry.append(invitee_id)
                continue
            mine.update(
                status=Invitee.Status.SENT,
                attempts=F("attempts") + 1,
                sent_at=timezone.now(),
                last_error="",
                claim_token=None,
                claimed_at=None,
            )
    return retry


# ---------------------------------------------------------------------------------------------
# Letters


@dataclass(frozen=True)
class Letter:
    name: str
    postal_address: str
    code: str
    reminder: bool
    use_by: str = ""


LETTER_CHOICES = {
    "new": "Letters to invitees with no e-mail address who have not had one yet",
    "reminder": "Reminder letters to everyone with a postal address who has not responded",
}


def letters_candidates(*, survey: Survey, which: str):
    invitees = Invitee.objects.filter(survey=survey).exclude(postal_address="")
    if which == "new":
        return invitees.filter(email="", status=Invitee.Status.QUEUED)
    if which == "reminder":
        return invitees.filter(status__in=[Invitee.Status.SENT, Invitee.Status.FAILED])
    raise SurveyError(f"‘{which}’ is not a kind of letter.")


def letters_issue(*, survey: Survey, which: str, actor=None) -> list[Letter]:
    """Letters with fresh codes, for printing now. The codes are in the returned letters
    only: print them in this request (the HTML print view or the PDF), or print again,
    which issues new codes and invalidates these."""
    with transaction.atomic():
        invitees = list(
            letters_candidates(survey=survey, which=which).select_for_update().order_by("id")
        )
        if not invitees:
            raise SurveyError("There is nobody to write to: no letters were made.")
        now = timezone.now()
        expires_at = code_expires_at(survey=survey, now=now)
        use_by = code_use_by(survey=survey, expires_at=expires_at)
        letters: list[Letter] = []
        invitations: list[Invitation] = []
        for invitee in invitees:
            code = code_generate()
            invitations.append(
                Invitation(
                    pk=invitee.invitation_id, code_hash=code_hash(code), expires_at=expires_at
                )
            )
            letters.append(
                Letter(
                    name=invitee.name,
                    postal_address=invitee.postal_address,
                    code=code,
                    reminder=which == "reminder",
                    use_by=use_by,
                )
            )
        Invitation.objects.bulk_update(invitations, ["code_hash", "expires_at"], batch_size=1000)
        sent = Invitee.objects.filter(pk__in=[i.pk for i in invitees])
        if which == "reminder":
            sent.update(reminders=F("reminders") + 1, sent_at=now, attempts=F("attempts") + 1)
        else:
            sent.update(status=Invitee.Status.SENT, sent_at=now, attempts=F("attempts") + 1)
        audit_log(actor=actor, action=f"letters_issued_{which}", survey=survey, count=len(letters))
    return letters


def letters_pdf(*, survey: Survey, letters: list[Letter]) -> bytes:
    """One A4 page per letter, the address placed for a DL window envelope."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"Letters: {survey.title}")
    _, height = A4
    link = survey_link()
    for letter in letters:
        y = height - 50 * mm
        pdf.setFont("Helvetica", 11)
        for line in [letter.name, *letter.postal_address.splitlines()]:
            if line.strip():
                pdf.drawString(25 * mm, y, line.strip())
                y -= 5 * mm
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(25 * mm, height - 100 * mm, survey.council.name)
        text = pdf.beginText(25 * mm, height - 112 * mm)
        text.setFont("Helvetica", 11)
        text.setLeading(15)
        for line in _letter_lines(survey, letter, link):
            text.textLine(line)
        pdf.drawText(text)
        pdf.setFont("Courier-Bold", 20)
        pdf.drawString(25 * mm, height - 185 * mm, letter.code)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _letter_lines(survey: Survey, letter: Letter, link: str) -> list[str]:
    opening = f"Dear {letter.name}," if letter.name else "Dear resident,"
    lines = [opening, ""]
    if letter.reminder:
        lines += [
            "We wrote to you recently about our survey and have not yet heard from you.",
            "This letter has a new code: any code we sent you before no longer works.",
            "",
        ]
    lines += [
        f"We would like to hear your views in our survey, “{survey.title}”.",
        "It takes about 10 minutes, on a phone, a tablet or a computer.",
        *([f"Please use the code below by {letter.use_by}."] if letter.use_by else []),
        "",
        f"Go to {link}",
        "and enter this code (it is yours alone; please do not share it):",
    ]
    return lines


def letters_lines_for_html(*, survey: Survey, letters: list[Letter]) -> list[dict]:
    link = survey_link()
    return [{"letter": letter, "lines": _letter_lines(survey, letter, link)} for letter in letters]


# ---------------------------------------------------------------------------------------------
# Reads for the officer's invitations page


@dataclass(frozen=True)
class AreaRate:
    area: str
    invited: int
    responded: int

    @property
    def rate(self) -> float | None:
        return self.responded / self.invited if self.invited else None


def response_rates_by_area(*, survey: Survey) -> list[AreaRate]:
    """Invitations and the responses they brought, by area: one GROUP BY over invitations,
    which keep their area after the invitees' personal data is deleted."""
    rows = (
        Invitation.objects.filter(survey=survey)
        .values("area__name", "area__position")
        .annotate(invited=Count("id"), responded=Count("id", filter=Q(used_at__isnull=False)))
        .order_by("area__position", "area__name")
    )
    return [
        AreaRate(
            area=r["area__name"] or "No area given", invited=r["invited"], responded=r["responded"]
        )
        for r in rows
    ]


def invitee_counts(*, survey: Survey) -> dict[str, int]:
    counts = dict(
        Invitee.objects.filter(survey=survey)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    by_email = Invitee.objects.filter(survey=survey).exclude(email="")
    return {
        **{status: counts.get(status, 0) for status in Invitee.Status.values},
        "total": sum(counts.values()),
        "email_to_send": by_email.filter(_to_send()).count(),
        "email_to_remind": by_email.filter(status=Invitee.Status.SENT).count(),
        "letters_new": letters_candidates(survey=survey, which="new").count(),
        "letters_reminder": letters_candidates(survey=survey, which="reminder").count(),
    }
