"""The consent state on other apps' pages, without those apps importing consent."""

from django import template

from consent.selectors import case_consent_state

register = template.Library()


@register.simple_tag
def case_consent_states(case):
    """{% case_consent_states case as states %}: (person, state per purpose) per subject."""
    return case_consent_state(case=case)


@register.simple_tag
def consent_giver(person) -> str:
    """Who gave the person's latest consent valid today: 本人, or which legal proxy."""
    from django.utils import timezone

    today = timezone.localdate()
    for consent in person.consents.all():
        if consent.is_valid_on(today):
            label = consent.get_given_by_display()
            return f"{label}（{consent.proxy_name}）" if consent.proxy_name else label
    return ""
