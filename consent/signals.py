"""Signals the consent app sends (the meeting app reacts to a withdrawal)."""

from django.dispatch import Signal

# Sent inside the withdrawal's transaction: consent, actor.
consent_withdrawn = Signal()
