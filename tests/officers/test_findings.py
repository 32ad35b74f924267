"""The public "what you told us" page: only what an officer chose and published, whole-survey
figures with enough answers, in plain words, beside what the council will do."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from officers.findings import MIN_PUBLIC_BASE, candidates, plain_sentence, public_report
from officers.models import Finding, FindingsPage, PublishedFigure
from officers.report import ReportRow
from results.comparison import ComparisonRow
from surveys.models import AuditEntry
from surveys.services import response_record
from tests.surveys.conftest import answers_for

NEEDS = "Q4|needs|always or often"
DIGNITY = "Q3|dignity|agree"  # asked of half the sample: 30 of the 60 seeded responses


def _form_data(survey, chosen: dict[str, str], action: str = "save") -> dict:
    data = {"action": action, "introduction": "Thank you to everyone who took part."}
    for c in candidates(report=public_report(survey=survey)):
        key = "|".join(c.key)
        if key in chosen:
            data[f"publish_{c.index}"] = "on"
            data[f"we_did_{c.index}"] = chosen[key]
    return data


@pytest.fixture
def published(officer_client, seeded):
    data = _form_data(
        seeded,
        {NEEDS: "We will ask residents to help redesign the housing repairs service."},
        action="publish",
    )
    response = officer_client.post(reverse("officers:findings", args=[seeded.slug]), data)
    assert response.status_code == 302
    return seeded


def test_no_page_or_an_unpublished_page_is_404(client, officer_client, seeded):
    url = reverse("findings", args=[seeded.slug])
    assert client.get(url).status_code == 404

    officer_client.post(
        reverse("officers:findings", args=[seeded.slug]),
        _form_data(seeded, {NEEDS: "Something."}),
    )
    assert FindingsPage.objects.get(survey=seeded).published_at is None
    client.logout()
    assert client.get(url).status_code == 404


def test_published_page_shows_only_the_chosen_findings_with_their_texts(client, published):
    client.logout()
    page = client.get(reverse("findings", args=[published.slug]))

    assert page.status_code == 200
    content = page.content.decode()
    assert re.findall(r'data-finding="([^"]+)"', content) == [NEEDS]
    assert "We will ask residents to help redesign the housing repairs service." in content
    assert "Thank you to everyone who took part." in content
    assert "say public services always or often understand their needs" in content
    assert published.council.name in content  # the council's header
    assert "<script>" not in content and 'style="' not in content


def test_unpublishing_takes_the_page_down_and_both_are_audited(client, officer_client, published):
    url = reverse("officers:findings", args=[published.slug])
    officer_client.post(url, {"action": "unpublish"})

    client.logout()
    assert client.get(reverse("findings", args=[published.slug])).status_code == 404
    actions = list(
        AuditEntry.objects.filter(survey=published, action__startswith="findings.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["findings.saved", "findings.published", "findings.unpublished"]


def _public_needs_figures(client, survey) -> tuple[str, str, str]:
    """What residents read about NEEDS: the percentage here, the base, and the sentence."""
    content = client.get(reverse("findings", args=[survey.slug])).content.decode()
    here, base = re.search(
        r"understand their needs</th>\s*<td[^>]*>(\d+)%</td>\s*<td[^>]*>[^<]*</td>\s*"
        r"<td[^>]*>(\d+)</td>",
        content,
    ).groups()
    sentence = re.search(r"<p class=\"govuk-body\">([^<]*understand their needs[^<]*)</p>", content)
    return here, base, sentence.group(1)


def _more_responses_who_say_always(survey, count: int = 20) -> None:
    answers = answers_for("A")
    for _ in range(count):
        response_record(
            survey=survey,
            answers={**answers, "AREA": "north", "Q4": {**answers["Q4"], "needs": "always"}},
            mode="online",
            split_arm="A",
        )


def test_published_page_keeps_its_figures_after_new_responses_arrive(client, published):
    client.logout()
    url = reverse("findings", args=[published.slug])
    # 10 of the 60 seeded responses say "always" and 10 "often".
    assert _public_needs_figures(client, published)[:2] == ("33", "60")
    before = _public_needs_figures(client, published)

    _more_responses_who_say_always(published)

    assert public_report(survey=published).comparison.respondents == 80  # the report moved on
    assert _public_needs_figures(client, published) == before
    content = client.get(url).content.decode()
    assert "60 people had answered" in content
    taken = timezone.localtime(FindingsPage.objects.get(survey=published).figures_taken_at)
    assert f"The figures were taken on {date_format(taken, 'j F Y')} at" in content


def test_publishing_again_takes_the_figures_afresh(client, officer_client, published):
    page = FindingsPage.objects.get(survey=published)
    _more_responses_who_say_always(published)
    url = reverse("officers:findings", args=[published.slug])
    data = _form_data(published, {NEEDS: "We are redesigning repairs with residents."}, "publish")

    assert officer_client.post(url, data).status_code == 302

    client.logout()
    here, base, sentence = _public_needs_figures(client, published)
    assert (here, base) == ("50", "80")  # 40 of 80
    assert "50% compared with" in sentence
    assert (
        "80 people had answered"
        in client.get(reverse("findings", args=[published.slug])).content.decode()
    )
    again = FindingsPage.objects.get(survey=published)
    assert again.figures_taken_at > page.figures_taken_at
    assert PublishedFigure.objects.filter(finding__page=again).count() == 1
    published_entries = AuditEntry.objects.filter(survey=published, action="findings.published")
    assert [e.detail["respondents"] for e in published_entries.order_by("id")] == [60, 80]


def test_a_finding_no_longer_chosen_leaves_the_public_page_at_once(
    client, officer_client, published
):
    data = _form_data(published, {NEEDS: "We will ask residents to help redesign repairs."})
    del data[next(k for k in data if k.startswith("publish_"))]  # the box unticked

    officer_client.post(reverse("officers:findings", args=[published.slug]), data)

    assert Finding.objects.get(
        question_code="Q4", item_code="needs", net_label="always or often"
    ).we_did
    client.logout()
    content = client.get(reverse("findings", args=[published.slug])).content.decode()
    assert "data-finding=" not in content and 'id="no-findings"' in content


def test_a_page_published_before_figures_were_kept_keeps_them_on_its_next_view(client, published):
    PublishedFigure.objects.all().delete()
    FindingsPage.objects.filter(survey=published).update(figures_taken_at=None)

    client.logout()
    assert _public_needs_figures(client, published)[:2] == ("33", "60")
    _more_responses_who_say_always(published)
    assert _public_needs_figures(client, published)[:2] == ("33", "60")
    assert AuditEntry.objects.filter(survey=published, action="findings.figures_kept").count() == 1


def test_no_figure_with_a_base_under_50_is_offered_or_shown(client, officer_client, seeded):
    offered = {"|".join(c.key): c for c in candidates(report=public_report(survey=seeded))}
    assert offered[DIGNITY].row.base < MIN_PUBLIC_BASE and not offered[DIGNITY].publishable
    url = reverse("officers:findings", args=[seeded.slug])

    # The box is disabled for it, so even a hand-made POST cannot choose it.
    data = _form_data(seeded, {NEEDS: "We will act.", DIGNITY: "We will act too."}, "publish")
    assert officer_client.post(url, data).status_code == 302
    assert not Finding.objects.get(
        question_code="Q3", item_code="dignity", net_label="agree"
    ).chosen

    # Chosen earlier when it had enough answers, it is still left off the public page.
    Finding.objects.filter(question_code="Q3", item_code="dignity").update(chosen=True)
    client.logout()
    content = client.get(reverse("findings", args=[seeded.slug])).content.decode()
    assert DIGNITY not in content
    bases = [int(b) for b in re.findall(r'numeric">(\d+)</td>\s*</tr>', content)]
    assert bases and all(b >= MIN_PUBLIC_BASE for b in bases)


def test_no_subgroup_is_offered_or_published(client, officer_client, seeded):
    offered = candidates(report=public_report(survey=seeded))
    assert offered and all(c.row.subgroup == "all adults" for c in offered)
    everything = {"|".join(c.key): "We will act." for c in offered if c.publishable}
    url = reverse("officers:findings", args=[seeded.slug])
    assert officer_client.post(url, _form_data(seeded, everything, "publish")).status_code == 302

    client.logout()
    content = client.get(reverse("findings", args=[seeded.slug])).content.decode()
    for subgroup in ("15-24", "no internet access", "broadsheet"):
        assert subgroup not in content


def test_the_database_refuses_a_published_figure_with_a_base_under_50(published):
    finding = Finding.objects.get(question_code="Q3", item_code="dignity", net_label="agree")

    with pytest.raises(IntegrityError), transaction.atomic():
        PublishedFigure.objects.create(
            finding=finding, position=0, label="Dignity", local_percent=60.0, base=49
        )


def test_publishing_needs_what_the_council_will_do(officer_client, seeded):
    url = reverse("officers:findings", args=[seeded.slug])
    data = _form_data(seeded, {NEEDS: ""}, "publish")
    index = next(
        c.index for c in candidates(report=public_report(survey=seeded)) if "|".join(c.key) == NEEDS
    )
    data[f"publish_{index}"] = "on"

    response = officer_client.post(url, data)

    assert response.status_code == 400
    assert "Say what the council will do about finding" in response.content.decode()
    assert not FindingsPage.objects.filter(survey=seeded, published_at__isnull=False).exists()


def test_publishing_with_nothing_chosen_is_refused(officer_client, seeded):
    url = reverse("officers:findings", args=[seeded.slug])

    response = officer_client.post(url, _form_data(seeded, {}, "publish"))

    assert response.status_code == 400
    assert "Choose at least one finding" in response.content.decode()


def test_another_councils_officer_cannot_edit_or_publish(client, other_officer, seeded):
    client.force_login(other_officer)
    url = reverse("officers:findings", args=[seeded.slug])

    response = client.post(url, _form_data(seeded, {NEEDS: "Hijack."}, "publish"))

    assert response.status_code == 404
    assert not FindingsPage.objects.filter(survey=seeded).exists()
    assert not Finding.objects.exists()


def _row(**values) -> ReportRow:
    base = {"question": "Q4", "item": "needs", "net": "always or often", "subgroup": "all adults"}
    return ReportRow(row=ComparisonRow(**{**base, **values}), label="", trend_2010=None)


@pytest.mark.parametrize(
    ("verdict", "start"),
    [
        ("significantly higher", "More people here than across Great Britain"),
        ("significantly lower", "Fewer people here than across Great Britain"),
        (
            "no significant difference",
            "About the same share of people here as across Great Britain",
        ),
    ],
)
def test_findings_read_as_plain_english(verdict, start):
    row = _row(local_percent=31.2, national_percent=24.0, national_exact=True, verdict=verdict)

    assert plain_sentence(row) == (
        f"{start} say public services always or often understand their needs: 31% compared "
        "with 24%."
    )


def test_an_approximate_national_figure_is_quoted_in_the_reports_words():
    row = _row(
        item="decisions",
        local_percent=20.0,
        national_percent=14.3,
        national_exact=False,
        national_wording="one in seven",
        verdict="not tested",
    )

    assert plain_sentence(row) == (
        "20% of people here say public services always or often involve them in decisions "
        "about the services they use. Across Great Britain in 2014 the national report put it "
        "at one in seven."
    )


def _links_to_findings(client, url: str, survey) -> bool:
    return f'href="{reverse("findings", args=[survey.slug])}"' in client.get(url).content.decode()


def test_the_start_and_thank_you_pages_link_the_findings_once_published(officer_client, seeded):
    resident = Client()  # not signed in, beside the officer
    start = reverse("surveys:landing", args=[seeded.slug])
    assert not _links_to_findings(resident, start, seeded)  # nothing published yet

    published = officer_client.post(
        reverse("officers:findings", args=[seeded.slug]),
        _form_data(seeded, {NEEDS: "We will redesign repairs."}, action="publish"),
    )
    assert published.status_code == 302
    assert _links_to_findings(resident, start, seeded)

    # A resident who has just finished sees it on the thank-you page too.
    finished = response_record(
        survey=seeded, answers=answers_for("A"), mode="online", split_arm="A"
    )
    session = resident.session
    session["collab_responses"] = {seeded.slug: finished.pk}
    session.save()
    thanks = reverse("surveys:thanks", args=[seeded.slug])
    assert resident.get(thanks).status_code == 200
    assert _links_to_findings(resident, thanks, seeded)

    # Closed, the start page says so and still links the findings.
    seeded.closes_at = timezone.now() - timezone.timedelta(days=1)
    seeded.save(update_fields=["closes_at"])
    assert "closed" in resident.get(start).content.decode()
    assert _links_to_findings(resident, start, seeded)

    # Unpublished, every link goes.
    officer_client.post(reverse("officers:findings", args=[seeded.slug]), {"action": "unpublish"})
    assert not _links_to_findings(resident, start, seeded)
    assert not _links_to_findings(resident, thanks, seeded)
