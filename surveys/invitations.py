"""Invitations: invitee lists, e-mails, printed letters, reminders and response rates.

Codes and personal data
    An Invitee (name, e-mail, postal address) is kept apart from its Invitation (a code hash
    and an area), and responses link to the invitation only. A code is never stored: it is
    derived, each time a letter or e-mail needs it, as an HMAC of the invitation's id and its
    own secret under the installation's key (INVITATION_CODE_KEY, by default SECRET_KEY), and
    only its sha256 is kept. The database alone therefore never gives a code away, while the
    same code can be printed again at any time. Until its first letter or e-mail the
    invitation holds the hash of a code nobody was ever shown.

One code on every channel
    A letter, an e-mail, a reminder of either and a reprint all carry the same code, so a
    letter and an e-mail never cancel each other. Each one issued moves the code's expiry
    later (never earlier). A lost letter's code is withdrawn by giving the invitation a new
    secret (invitation_code_replace), which changes the code of every later letter or e-mail.

A closed survey sends nothing
    E-mails, reminders, letters and invitee uploads are refused once a survey has closed
    (SurveyClosed), and a batch of e-mails still queued when it closes is not sent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from surveys.audit import audit_log
from surveys.codes import ALPHABET, CODE_LENGTH, code_generate, code_hash, erasure_hash
from surveys.errors import SurveyClosed, SurveyError
from surveys.imports import Problem, UploadRejected, csv_rows
from surveys.models import Area, Invitation, Invitee, ScheduledReminder, Survey, invitation_secret

# A UK postcode anywhere in an address (the outward and inward codes, the space optional).
POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}|GIR ?0AA)\b", re.IGNORECASE)

INVITEE_COLUMNS = ("name", "email", "postal_address", "area")
REQUIRED_COLUMNS = ("email", "postal_address", "area")
EMAIL_BATCH = 100
MAX_ATTEMPTS = 3
# A worker holds its claim on an invitee only while it sends one e-mail; a claim this old was
# left by a worker that died, and another worker may take it over.
CLAIM_TIMEOUT = dt.timedelta(minutes=10)


# ---------------------------------------------------------------------------------------------
# A closed survey sends nothing


def fieldwork_check_open(*, survey: Survey, what: str, now: dt.datetime | None = None) -> None:
    """Refuse fieldwork (``what``: "send reminders", "print letters"...) once the survey has
    closed, by its status or its closing time, with the words an officer can act on."""
    if survey.availability(now) != "closed":
        return
    when = ""
    if survey.closes_at:
        local = timezone.localtime(survey.closes_at)
        when = f" on {_day(local.date())} at {local:%H:%M}"
    raise SurveyClosed(
        f"“{survey.title}” closed{when}, so you cannot {what}: residents could no longer "
        "use the codes. To carry on, move its closing time later and open it again."
    )


# ---------------------------------------------------------------------------------------------
# The invitee list


def invitees_import(*, survey: Survey, text: str, actor=None) -> int:
    """Add every invitee of a CSV file (columns name, email, postal_address, area) or none.

    Every row is checked before anything is stored: an e-mail address or a postal address,
    a well-formed e-mail, a known area code, no row or invitee given twice, nobody already
    invited to this survey. Returns how many invitees were added (their e-mails are queued
    separately, by invitations_queue).
    """
    fieldwork_check_open(survey=survey, what="add invitees")
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

    council_areas = list(Area.objects.filter(council_id=survey.council_id))
    # An area is given by its code or its name, in any case: "NORTH", "north", "North ward".
    areas: dict[str, Area] = {a.name.strip().lower(): a for a in council_areas}
    areas.update({a.code.lower(): a for a in council_areas})
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
        if address and not POSTCODE.search(address):
            problems.append(
                Problem(
                    n,
                    "postal_address",
                    "The address has no postcode: letters need one (such as RV1 1AA).",
                )
            )
        if email:
            checked = email_check(email)
            if checked is None:
                problems.append(Problem(n, "email", f"‘{email}’ is not a valid e-mail address."))
            else:
                row["email"] = email = checked
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
        row["area_found"] = areas.get(row["area"].lower()) if row["area"] else None
        if row["area"] and row["area_found"] is None:
            problems.append(
                Problem(
                    n,
                    "area",
                    f"‘{row['area']}’ is not one of this council's areas. Use a code or a "
                    "name: "
                    + (
                        ", ".join(f"{a.code} ({a.name})" for a in council_areas)
                        or "(no areas are set up)"
                    )
                    + ".",
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
                    area=row["area_found"],
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
                    area=row["area_found"],
                )
                for invitation, row in zip(invitations, clean, strict=True)
            ],
            batch_size=1000,
        )
        audit_log(actor=actor, action="invitees_uploaded", survey=survey, count=len(clean))
    return len(clean)


def email_check(email: str) -> str | None:
    """The address in its normal form, or None when it is not a valid e-mail address.
    Internationalised addresses (accented letters before or after the @) are accepted."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


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


def invitation_code(*, invitation_id: int, secret: str) -> str:
    """The code of one invitation, the same every time: an HMAC of its id and secret under
    the installation's key, written in the code alphabet as XXXX-XXXX-XXXX."""
    key = (getattr(settings, "INVITATION_CODE_KEY", "") or settings.SECRET_KEY).encode()
    digest = hmac.new(
        key, f"collab-invitation:{invitation_id}:{secret}".encode(), hashlib.sha256
    ).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    raw = "".join(chars)
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _later(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    """The later expiry of two, where None (until the survey closes) is the latest."""
    if a is None or b is None:
        return None
    return max(a, b)


def _code_issue(invitee: Invitee) -> tuple[str, dt.datetime | None]:
    """This invitee's code, issued again by an e-mail or a letter, and when it now expires:
    the code is the one every earlier letter and e-mail gave, and its expiry only moves
    later."""
    invitation = Invitation.objects.only("pk", "code_secret", "expires_at", "code_hash").get(
        pk=invitee.invitation_id
    )
    code = invitation_code(invitation_id=invitation.pk, secret=invitation.code_secret)
    expires_at = code_expires_at(survey=invitee.survey, now=timezone.now())
    if invitation.code_hash == code_hash(code):  # issued before: keep the longer life
        expires_at = _later(expires_at, invitation.expires_at)
    Invitation.objects.filter(pk=invitation.pk).update(
        code_hash=code_hash(code), expires_at=expires_at
    )
    return code, expires_at


def invitation_code_replace(*, invitee: Invitee, actor=None) -> None:
    """Withdraw an invitee's code (a letter lost or sent to the wrong address): the
    invitation gets a new secret, so the old code stops working and the next letter or
    e-mail carries a new one."""
    Invitation.objects.filter(pk=invitee.invitation_id).update(
        code_secret=invitation_secret(), code_hash=code_hash(code_generate())
    )
    audit_log(actor=actor, action="invitation_code_replaced", survey=invitee.survey)


def invitation_reference(invitation_id: int) -> str:
    """The reference printed on letters and written in a paper form's REF box: it names the
    invitation (never the resident) so a returned form marks its invitee as responded."""
    return f"R{invitation_id:06d}"


def invitation_from_reference(*, survey: Survey, reference: str) -> Invitation | None:
    """The invitation a letter's reference (R000123, or 123) names in this survey."""
    digits = reference.strip().upper().removeprefix("R")
    if not digits.isdigit():
        return None
    return Invitation.objects.filter(survey=survey, pk=int(digits)).first()


def paper_return_invitation(
    *, survey: Survey, reference: str = "", code: str = ""
) -> Invitation | None:
    """The invitation a paper form's letter code or letter reference names in this survey."""
    invitation = None
    if code.strip():
        invitation = Invitation.objects.filter(survey=survey, code_hash=code_hash(code)).first()
    if invitation is None and reference.strip():
        invitation = invitation_from_reference(survey=survey, reference=reference)
    return invitation


def paper_return_check(*, survey: Survey, reference: str = "", code: str = "") -> None:
    """Refuse a paper form whose letter code or reference has already been answered with,
    online or on another form: one invitee, one response."""
    from surveys.models import Response

    invitation = paper_return_invitation(survey=survey, reference=reference, code=code)
    if invitation is None:
        return
    # After close a response no longer points to its invitation; its code's keyed hash does.
    theirs = Q(invitation=invitation)
    if code.strip():
        theirs |= Q(erasure_code_hash=erasure_hash(code))
    answered = Response.objects.filter(theirs).exclude(status=Response.Status.IN_PROGRESS)
    if invitation.used_at is not None or answered.exists():
        raise SurveyError(
            f"The invitee with {'that code' if code.strip() else 'reference ' + reference} "
            "has already responded, online or on another form, so this form is not entered "
            "again. Find their response under Responses to review if it needs checking."
        )


def paper_return_record(
    *,
    survey: Survey,
    reference: str = "",
    code: str = "",
    response=None,
    now: dt.datetime | None = None,
) -> Invitation | None:
    """A paper questionnaire came back carrying a letter's reference or code: its invitation
    is used and its invitee responded, as when a resident answers online, and the stored
    ``response`` is its invitation's response, so the code can start no other (online or on
    paper) and finds this one for a data request. Returns the invitation, or None when the
    reference or code names none of this survey's."""
    from surveys.models import Response, used_day

    invitation = paper_return_invitation(survey=survey, reference=reference, code=code)
    if invitation is None:
        return None
    now = now or timezone.now()
    Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(used_at=used_day(now))
    Invitee.objects.filter(invitation_id=invitation.pk).update(status=Invitee.Status.RESPONDED)
    if response is not None and not Response.objects.filter(invitation=invitation).exists():
        changes = {"invitation": invitation}
        if code.strip():
            changes["erasure_code_hash"] = erasure_hash(code)
        Response.objects.filter(pk=response.pk).update(**changes)
    return invitation


def site_url(survey: Survey) -> str:
    """Where residents answer: the council's own address when it has one (set by an
    administrator or demo_setup --base-url), else the installation's SITE_URL."""
    return (survey.council.base_url or settings.SITE_URL).rstrip("/")


def survey_link(survey: Survey) -> str:
    return site_url(survey) + reverse("surveys:code")


# ---------------------------------------------------------------------------------------------
# E-mail


def invitations_queue(*, survey: Survey, actor=None, reminders: bool = False) -> int:
    """Queue e-mails: invitations to everyone not yet e-mailed (and retries of failures), or
    reminders to everyone e-mailed who has not responded. Sent by a Celery task in batches,
    after this transaction commits. Returns how many were queued."""
    from surveys.tasks import send_invitation_emails

    fieldwork_check_open(
        survey=survey, what="send reminders" if reminders else "send invitation e-mails"
    )
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
    council = survey.council
    subject, body = email_text(
        survey=survey,
        name=invitee.name,
        code=code,
        use_by=code_use_by(survey=survey, expires_at=expires_at),
        reference=invitation_reference(invitee.invitation_id),
        reminder=invitee.reminders > 0,
    )
    return mail.EmailMessage(
        subject=subject,
        body=body,
        from_email=email_sender(council),
        to=[invitee.email],
        reply_to=[council.email_reply_to] if council.email_reply_to else None,
        connection=connection,
    )


REMINDER_EMAIL_LINE = (
    "We wrote to you recently about our survey and have not yet heard from you. Your code is "
    "the same as before, in this e-mail and in any letter we sent you. If you have already "
    "started, it takes you back to where you stopped."
)


def _wording_values(*, survey: Survey, name: str, code: str, use_by: str, reference: str):
    return {
        "name": name or "resident",
        "council": survey.council.name,
        "survey": survey.title,
        "link": survey_link(survey),
        "code": code,
        "use_by": use_by,
        "reference": reference,
        "contact": survey.contact,
    }


def email_text(
    *, survey: Survey, name: str, code: str, use_by: str, reference: str, reminder: bool
) -> tuple[str, str]:
    """The subject and body of one invitation or reminder e-mail: the council's own wording
    (surveys.wording) when it has one, else the standard one."""
    from surveys.wording import wording_render

    council = survey.council
    values = _wording_values(
        survey=survey, name=name, code=code, use_by=use_by, reference=reference
    )
    subject = wording_render(council.email_subject or "((council)): ((survey))", values)
    if reminder:
        subject = f"Reminder: {subject}"
    if council.email_body:
        body = wording_render(council.email_body, values)
        if reminder:
            body = f"{REMINDER_EMAIL_LINE}\n\n{body}"
    else:
        body = render_to_string(
            "surveys/invitations/email.txt",
            {
                "invitee": {"name": name},
                "survey": survey,
                "code": code,
                "use_by": use_by,
                "link": values["link"],
                "reminder": reminder,
                "reference": reference,
            },
        )
    return " ".join(subject.split()), body


def email_sender(council) -> str:
    """“Sender name <address>”: the council's sender name (or its name) on the
    installation's DEFAULT_FROM_EMAIL address, so SPF and DKIM still hold."""
    from email.utils import formataddr, parseaddr

    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((council.email_sender_name or council.name, address))


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

    Each e-mail carries the invitee's code (the same as on any letter). Safe to run twice,
    even at the same moment: each invitee is claimed (see _email_claim) before its code is
    issued and its e-mail sent, and only the claim's holder records the outcome. An invitee
    already sent, being sent by another worker, or who responded meanwhile is skipped. A
    failure is recorded on the invitee; after MAX_ATTEMPTS it is marked failed and left for
    an officer to look at.

    The one window left is a worker that dies after the mail server accepted an e-mail and
    before it is recorded as sent: after CLAIM_TIMEOUT that e-mail is sent again (with the
    same code). Sending at most once would mean sometimes never.
    """
    retry: list[int] = []
    connection = mail.get_connection()
    # A mail server that is down now: each e-mail below tries again and records the failure.
    with contextlib.suppress(Exception):
        connection.open()
    try:
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
            if invitee.survey.availability() == "closed":
                # Queued before the survey closed: a code that no longer works is not sent.
                mine.update(
                    status=Invitee.Status.SENT if invitee.sent_at else Invitee.Status.QUEUED,
                    last_error="Not sent: the survey had closed.",
                    claim_token=None,
                    claimed_at=None,
                )
                continue
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
    finally:
        connection.close()
    return retry


# ---------------------------------------------------------------------------------------------
# Scheduled reminders


def reminder_schedule(
    *, survey: Survey, send_at: dt.datetime, actor=None, now: dt.datetime | None = None
) -> ScheduledReminder:
    """Ask for reminder e-mails at a later time, while the survey is live; the scheduled job
    (reminders_send_due) sends them then, unless the survey has closed by that time."""
    now = now or timezone.now()
    fieldwork_check_open(survey=survey, what="schedule reminders", now=now)
    if send_at <= now:
        raise SurveyError("Choose a time in the future for the reminders.")
    if survey.closes_at and send_at >= survey.closes_at:
        local = timezone.localtime(survey.closes_at)
        raise SurveyError(
            f"The survey closes on {_day(local.date())} at {local:%H:%M}: choose an earlier "
            "time for the reminders."
        )
    with transaction.atomic():
        reminder = ScheduledReminder.objects.create(
            survey=survey, send_at=send_at, created_by=actor if actor and actor.pk else None
        )
        audit_log(
            actor=actor, action="reminders_scheduled", survey=survey, send_at=send_at.isoformat()
        )
    return reminder


def reminder_cancel(*, reminder: ScheduledReminder, actor=None) -> bool:
    """Cancel reminders not sent yet; False when they were already sent (or cancelled)."""
    with transaction.atomic():
        cancelled = ScheduledReminder.objects.filter(
            pk=reminder.pk, status=ScheduledReminder.Status.SCHEDULED
        ).update(status=ScheduledReminder.Status.CANCELLED, done_at=timezone.now())
        if cancelled:
            audit_log(
                actor=actor,
                action="scheduled_reminders_cancelled",
                survey=reminder.survey,
                send_at=reminder.send_at.isoformat(),
            )
    return bool(cancelled)


def reminders_send_due(*, now: dt.datetime | None = None) -> int:
    """Queue the reminders whose time has come; returns how many e-mails were queued.

    Safe to run at any interval and twice at once: each scheduled reminder is claimed by a
    conditional UPDATE before its e-mails are queued, so it is sent once. A survey that
    closed before the time sends nothing: the reminder is marked as not sent, and audited.
    """
    now = now or timezone.now()
    queued = 0
    due = ScheduledReminder.objects.filter(
        status=ScheduledReminder.Status.SCHEDULED, send_at__lte=now
    ).select_related("survey__council")
    for reminder in due.order_by("send_at", "id"):
        with transaction.atomic():
            claimed = ScheduledReminder.objects.filter(
                pk=reminder.pk, status=ScheduledReminder.Status.SCHEDULED
            ).update(status=ScheduledReminder.Status.SENT, done_at=now)
            if not claimed:
                continue
            try:
                count = invitations_queue(survey=reminder.survey, reminders=True)
            except SurveyClosed:
                ScheduledReminder.objects.filter(pk=reminder.pk).update(
                    status=ScheduledReminder.Status.SKIPPED, count=0
                )
                audit_log(
                    actor=None,
                    action="scheduled_reminders_skipped",
                    survey=reminder.survey,
                    reason="survey closed",
                )
                continue
            ScheduledReminder.objects.filter(pk=reminder.pk).update(count=count)
        queued += count
    return queued


# ---------------------------------------------------------------------------------------------
# Letters
#
# A letter carries the invitee's one code (see the module's docstring), so letters can be
# printed again at any time, after a printer jam or a lost batch, and still work beside any
# e-mail the invitee was sent.


@dataclass(frozen=True)
class Letter:
    name: str
    postal_address: str
    code: str
    reminder: bool
    use_by: str = ""
    reference: str = ""
    date: str = ""


LETTER_CHOICES = {
    "new": "First letters to invitees with no e-mail address who have not had one yet",
    "reminder": "Reminder letters to everyone with a postal address who has not responded",
    "reprint": "The letters already printed, again, with the same codes (nothing is counted "
    "as sent twice)",
}


def letters_candidates(*, survey: Survey, which: str):
    invitees = Invitee.objects.filter(survey=survey).exclude(postal_address="")
    if which == "new":
        return invitees.filter(email="", status=Invitee.Status.QUEUED)
    if which == "reminder":
        return invitees.filter(status__in=[Invitee.Status.SENT, Invitee.Status.FAILED])
    if which == "reprint":
        # Everyone a letter (or an e-mail, for those who have both) already went to.
        return invitees.filter(sent_at__isnull=False).exclude(status=Invitee.Status.RESPONDED)
    raise SurveyError(f"‘{which}’ is not a kind of letter.")


def letters_issue(*, survey: Survey, which: str, actor=None) -> list[Letter]:
    """Letters for printing now, each with its invitee's code (the same on every letter and
    e-mail). First letters mark their invitees sent, reminders count a reminder; a reprint
    changes nothing but the audit trail and the codes' expiry, which only moves later."""
    fieldwork_check_open(survey=survey, what="print letters")
    with transaction.atomic():
        invitees = list(
            letters_candidates(survey=survey, which=which)
            .select_for_update()
            .select_related("invitation", "survey__council")
            .order_by("id")
        )
        if not invitees:
            raise SurveyError("There is nobody to write to: no letters were made.")
        now = timezone.now()
        new_expiry = code_expires_at(survey=survey, now=now)
        date = _day(timezone.localdate(now))
        letters: list[Letter] = []
        invitations: list[Invitation] = []
        for invitee in invitees:
            invitation = invitee.invitation
            code = invitation_code(invitation_id=invitation.pk, secret=invitation.code_secret)
            hashed = code_hash(code)
            expires_at = (
                _later(new_expiry, invitation.expires_at)
                if invitation.code_hash == hashed
                else new_expiry
            )
            invitation.code_hash, invitation.expires_at = hashed, expires_at
            invitations.append(invitation)
            letters.append(
                Letter(
                    name=invitee.name,
                    postal_address=invitee.postal_address,
                    code=code,
                    reminder=which == "reminder" or (which == "reprint" and invitee.reminders > 0),
                    use_by=code_use_by(survey=survey, expires_at=expires_at),
                    reference=invitation_reference(invitation.pk),
                    date=date,
                )
            )
        Invitation.objects.bulk_update(invitations, ["code_hash", "expires_at"], batch_size=1000)
        sent = Invitee.objects.filter(pk__in=[i.pk for i in invitees])
        if which == "reminder":
            sent.update(reminders=F("reminders") + 1, sent_at=now, attempts=F("attempts") + 1)
        elif which == "new":
            sent.update(status=Invitee.Status.SENT, sent_at=now, attempts=F("attempts") + 1)
        audit_log(actor=actor, action=f"letters_issued_{which}", survey=survey, count=len(letters))
    return letters


def _hex_colour(value: str):
    from reportlab.lib.colors import HexColor

    try:
        return HexColor(value)
    except (ValueError, TypeError):
        return HexColor("#1d70b8")


def letters_pdf(*, survey: Survey, letters: list[Letter]) -> bytes:
    """One A4 page per letter: the council's name, logo and colour at the top, its return
    address and the date on the right, the resident's address placed for a DL window
    envelope, the letter, the code and reference, and the contact line at the foot."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    council = survey.council
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"Letters: {survey.title}")
    width, height = A4
    link = survey_link(survey)
    logo = _logo_reader(council)
    accent = _hex_colour(council.accent_colour)
    for letter in letters:
        pdf.setFillColor(accent)
        pdf.rect(0, height - 8 * mm, width, 8 * mm, stroke=0, fill=1)
        pdf.setFillColorRGB(0, 0, 0)
        top = height - 22 * mm
        if logo is not None:
            pdf.drawImage(
                logo, 25 * mm, top - 12 * mm, width=40 * mm, height=15 * mm,
                preserveAspectRatio=True, anchor="sw", mask="auto",
            )  # fmt: skip
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(25 * mm, top - 18 * mm if logo else top, council.name)
        pdf.setFont("Helvetica", 10)
        y = top
        for line in [*_lines(council.return_address), "", letter.date]:
            pdf.drawRightString(width - 25 * mm, y, line)
            y -= 4.5 * mm
        y = height - 55 * mm
        pdf.setFont("Helvetica", 11)
        for line in [letter.name, *_lines(letter.postal_address)]:
            if line:
                pdf.drawString(25 * mm, y, line)
                y -= 5 * mm
        text = pdf.beginText(25 * mm, height - 105 * mm)
        text.setFont("Helvetica", 11)
        text.setLeading(15)
        for line in _letter_lines(survey, letter, link):
            text.textLine(line)
        pdf.drawText(text)
        pdf.setFont("Courier-Bold", 20)
        pdf.drawString(25 * mm, height - 190 * mm, letter.code)
        pdf.setFont("Helvetica", 10)
        pdf.drawString(25 * mm, height - 198 * mm, f"Your reference: {letter.reference}")
        foot = pdf.beginText(25 * mm, 30 * mm)
        foot.setFont("Helvetica", 10)
        foot.setLeading(13)
        for line in _wrap(f"Questions about this survey? Contact {survey.contact}.", 95):
            foot.textLine(line)
        pdf.drawText(foot)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def _logo_reader(council):
    """The council's logo for the PDF, or None when it has none or the file cannot be read."""
    if not council.logo:
        return None
    from reportlab.lib.utils import ImageReader

    try:
        with council.logo.open("rb") as handle:
            import io

            return ImageReader(io.BytesIO(handle.read()))
    except (OSError, ValueError):
        return None


def _letter_lines(survey: Survey, letter: Letter, link: str) -> list[str]:
    from surveys.wording import wording_render

    opening = f"Dear {letter.name}," if letter.name else "Dear resident,"
    lines = [opening, ""]
    if letter.reminder:
        lines += [
            "We wrote to you recently about our survey and have not yet heard from you.",
            "Your code is the same as before, in this letter and in any e-mail we sent you.",
            "",
        ]
    if survey.council.letter_body:
        values = _wording_values(
            survey=survey,
            name=letter.name,
            code=letter.code,
            use_by=letter.use_by,
            reference=letter.reference,
        )
        text = wording_render(survey.council.letter_body, values)
        return lines + [
            wrapped
            for paragraph in text.splitlines()
            for wrapped in (_wrap(paragraph, 90) if paragraph.strip() else [""])
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
    link = survey_link(survey)
    return [{"letter": letter, "lines": _letter_lines(survey, letter, link)} for letter in letters]


def wording_preview(*, council) -> dict[str, str]:
    """The council's e-mail and letter as a resident would get them, with a sample invitee,
    for the preview beside the wording in the council set-up."""
    from types import SimpleNamespace

    survey = council.surveys.order_by("-created_at").first() or SimpleNamespace(
        council=council, title="Your views of public services", contact="(the survey's contact)"
    )
    sample = {"name": "Alex Example", "code": "ABCD-EFGH-JKMN", "reference": "R000123"}
    use_by = "14 March 2026"
    subject, body = email_text(survey=survey, use_by=use_by, reminder=False, **sample)
    letter = Letter(
        name=sample["name"], postal_address="", code=sample["code"], reminder=False,
        use_by=use_by, reference=sample["reference"],
    )  # fmt: skip
    lines = _letter_lines(survey, letter, survey_link(survey))
    return {
        "email": f"Subject: {subject}\n\n{body}",
        "letter": "\n".join([*lines, "", sample["code"], f"Your reference: {sample['reference']}"]),
    }


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
