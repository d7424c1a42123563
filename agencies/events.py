"""Signals that agencies sends and higher apps react to, so that agencies imports none
of them: the case app ends what a moved user saw through the old agency."""

from django.dispatch import Signal

# Sent inside the 人事異動 transaction: user, old_agency, actor, reason.
staff_transferred = Signal()
