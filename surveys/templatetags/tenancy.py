"""What the signed-in person's roles allow, for the officers' navigation: a section they may
not open is not offered (the view refuses it anyway, surveys.tenancy)."""

from __future__ import annotations

from django import template

from surveys import tenancy

register = template.Library()


@register.simple_tag(takes_context=True)
def survey_permissions(context, survey) -> frozenset[str]:
    """The permission names (surveys.tenancy.PERMISSIONS) the person holds on this survey."""
    user = context["request"].user
    roles = tenancy.roles_of(user=user, council=survey.council_id)
    return frozenset(name for name, allowed in tenancy.PERMISSIONS.items() if roles & allowed)


@register.simple_tag(takes_context=True)
def sets_up_a_council(context) -> bool:
    user = context["request"].user
    return bool(tenancy.council_ids_for(user=user, permission="council.set_up"))
