"""The consent state on other apps' pages, without those apps importing consent."""

from django import template

from consent.selectors import case_consent_state

register = template.Library()


@register.simple_tag
def case_consent_states(case):
    """{% case_consent_states case as states %}: (person, state per purpose) per subject."""
    return case_consent_state(case=case)
