"""Case numbers under real concurrency: PostgreSQL row locks, 50 openings at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from cases import services
from cases.models import Case
from conftest import require_postgres
from tests.factories import make_consultation, member_data

OPENINGS = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_openings_get_gapless_unique_numbers(coordinator, staff_assigned):
    require_postgres()
    consultations = [
        make_consultation(
            actor=staff_assigned,
            members=[member_data(given_name=f"太郎{i}", given_name_kana=f"たろう{i}")],
        )
        for i in range(OPENINGS)
    ]
    start = threading.Barrier(OPENINGS)

    def open_case(consultation):
        try:
            start.wait()
            case = services.case_open(
                actor=coordinator,
                consultation=consultation,
                subjects=[consultation.person],
                main_agency=staff_assigned.agency,
                lead_coordinator=coordinator,
            )
            return case.sequence
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=OPENINGS) as pool:
        sequences = list(pool.map(open_case, consultations))

    assert sorted(sequences) == list(range(1, OPENINGS + 1))
    numbers = list(Case.objects.values_list("fiscal_year", "sequence"))
    assert len(set(numbers)) == OPENINGS
