"""Run only by tests/test_reuse_db.py, in a pytest of its own: the file name does not
match `test_*.py`, so the suite never collects it by itself."""

import pytest
from django.contrib.auth.models import Group

from agencies.roles import Role
from cases.models import IssueCategory


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_flushes_everything():
    assert Group.objects.filter(name=Role.COORDINATOR).exists()


@pytest.mark.django_db
def test_the_roles_and_categories_are_there():
    assert Group.objects.filter(name=Role.COORDINATOR).exists()
    assert IssueCategory.objects.exists()
