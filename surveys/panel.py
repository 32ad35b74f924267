"""The co-production panel: residents who said they are willing to work with public services
(Q8) can leave contact details and the topics they care about.

It is the report's point in practice, and it is personal data, so: it is offered only after the
answers are sent, on its own page with its own consent; it is stored in PanelMember with no link
to the response (only to the survey), so answers stay anonymous; the resident can withdraw with
a code shown once (only its hash is kept); and it is deleted with the survey's retention.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from surveys.audit import audit_log
from surveys.codes import code_generate, code_hash
from surveys.errors import CodeRejected, SurveyError
from surveys.models import PanelMember, Response, Survey

WILLING_QUESTION = "Q8"
WILLING_OPTION = "willing"

# Areas residents recognise, in the report's terms (what providers should focus on, Q7, and the
# services it discusses); "other" is typed in.
TOPICS = [
    ("health_care", "Health and social care"),
    ("housing", "Housing"),
    ("schools_children", "Schools, children and young people"),
    ("transport_streets", "Transport, roads and streets"),
    ("environment", "Parks, waste and the environment"),
    ("community_safety", "Community safety"),
    ("jobs_money", "Jobs, benefits and money advice"),
    ("libraries_leisure", "Libraries, leisure and culture"),
]


def panel_offer_for(response: Response | None) -> bool:
    """Whether this (complete) response said the resident is willing to be involved."""
    return bool(
        response is not None
        and response.is_complete
        and response.draft.get(WILLING_QUESTION) == WILLING_OPTION
    )


def panel_join(
    *,
    survey: Survey,
    name: str,
    email: str = "",
    phone: str = "",
    topics: list[str] | None = None,
    other_topics: str = "",
    consent: bool,
) -> str:
    """Add a panel member; returns the withdrawal code, which is shown once and not kept."""
    if not consent:
        raise SurveyError("Tick the box to say you agree to be contacted")
    if not name.strip():
        raise SurveyError("Enter your name")
    if not email.strip() and not phone.strip():
        raise SurveyError("Enter an e-mail address or a phone number, so the council can reach you")
    known = {code for code, _ in TOPICS}
    unknown = [t for t in topics or [] if t not in known]
    if unknown:
        raise SurveyError("Select only the topics listed")
    code = code_generate()
    PanelMember.objects.create(
        survey=survey,
        name=name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        topics=list(dict.fromkeys(topics or [])),
        other_topics=other_topics.strip(),
        withdrawal_code_hash=code_hash(code),
    )
    return code


def panel_withdraw(*, code: str) -> Survey:
    """Delete the panel member this withdrawal code belongs to; returns their survey."""
    with transaction.atomic():
        member = (
            PanelMember.objects.select_related("survey__council")
            .filter(withdrawal_code_hash=code_hash(code))
            .first()
        )
        if member is None:
            raise CodeRejected(
                "We do not recognise that code. It may have been used already, or the panel "
                "details may have been deleted when the survey's retention period ended."
            )
        survey = member.survey
        member.delete()
        # No personal data in the trail: only that someone withdrew.
        audit_log(actor=None, action="panel_member_withdrew", survey=survey)
    return survey


def panel_for_survey(*, survey: Survey) -> QuerySet[PanelMember]:
    """Callers pass a survey taken through officers.selectors.survey_for_officer."""
    return PanelMember.objects.filter(survey=survey).order_by("consented_at", "id")
