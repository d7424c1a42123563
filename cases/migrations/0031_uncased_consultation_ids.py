"""The consultations without a case, by id (PostgreSQL only; SQLite, the local demo, needs
none of this and skips it). The coordinators' way in through an accepted つなぐシート
checks each sheet's consultation for "no case yet": a few thousand sheets a hub has
accepted, of which a handful are uncased. With this partial index (its id and 受付日時
in the index itself) each check is an index-only probe instead of a visit to the table
(the coordinator's 相談一覧 and home ask it; 15 → 7 ms at a city's scale)."""

from django.db import migrations

from core.migration_ops import postgres_index

NAME = "cases_consultation_uncased_id"
ON = "cases_consultation (id) INCLUDE (received_at) WHERE case_id IS NULL"


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY: the table stays writable meanwhile
    dependencies = [("cases", "0030_event_kinds_participation")]

    operations = [postgres_index(NAME, ON)]
