"""GOV.UK patterns shared by every form page."""

from __future__ import annotations

from django import forms, template

register = template.Library()


def error_links(form: forms.Form) -> list[tuple[str, str]]:
    """(anchor, message) pairs for a form's error summary, in field order.

    Radios and checkboxes link to their first input (the GOV.UK template pack numbers
    them from 1), so following a link moves focus to the question in error.
    """
    if hasattr(form, "error_links"):
        return form.error_links()
    links: list[tuple[str, str]] = []
    first = None
    for field in form:
        if field.is_hidden:
            continue
        widget = field.field.widget
        anchor = field.auto_id
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            anchor = f"{field.auto_id}_1"
        first = first or anchor
        links.extend((anchor, str(message)) for message in field.errors)
    links[:0] = [(first or "main-content", str(message)) for message in form.non_field_errors()]
    return links


@register.inclusion_tag("surveys/_error_summary.html")
def error_summary(form: forms.Form) -> dict:
    return {"links": error_links(form) if form.errors else []}
