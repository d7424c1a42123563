"""The sheets an agency has taken, with their consultation (PostgreSQL only; SQLite, the
local demo, skips it): the coordinators' way in through an accepted つなぐシート reads a
hub's accepted and completed sheets' consultation ids, from this index alone
(index-only) instead of visiting a heap page for most of the sheets."""

from django.db import migrations

from core.migration_ops import postgres_index

NAME = "referrals_referral_taken"
ON = "referrals_referral (to_agency_id, status) INCLUDE (consultation_id)"


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY: the table stays writable meanwhile
    dependencies = [("referrals", "0001_initial")]

    operations = [postgres_index(NAME, ON)]
