"""Trigram indexes finding a person by any part of their names, whatever the accents and case, or
by any part of their phone number (beneficiaries/people/search.py builds the queries they serve).

unaccent() is only STABLE (its dictionary could change), so no index may call it: the index calls
immutable_unaccent(), which names the dictionary by its schema and promises the same result. The
embedded SQLite of `make run` has neither extension and goes without: its search reads every
name, which a demo's few hundred people allow.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

SEARCH_INDEXES_SQL = """
CREATE FUNCTION immutable_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
CREATE INDEX person_search_name_trgm_idx ON people_beneficiary
    USING gin (lower(immutable_unaccent(first_name || ' ' || last_name)) gin_trgm_ops);
CREATE INDEX person_phone_trgm_idx ON people_beneficiary USING gin (phone gin_trgm_ops);
"""
DROP_SEARCH_INDEXES_SQL = """
DROP INDEX IF EXISTS person_phone_trgm_idx;
DROP INDEX IF EXISTS person_search_name_trgm_idx;
DROP FUNCTION IF EXISTS immutable_unaccent(text);
"""


def search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEARCH_INDEXES_SQL)


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SEARCH_INDEXES_SQL)


class Migration(migrations.Migration):
    dependencies = [("people", "0002_french_level_label")]

    operations = [
        # Both are no-ops on a database other than PostgreSQL.
        TrigramExtension(),
        UnaccentExtension(),
        migrations.RunPython(search_indexes, drop_search_indexes),
    ]
