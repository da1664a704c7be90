"""A person found by any part of their names, whatever the accents and case, or by any part of
their phone number, through trigram indexes (beneficiaries/people/search.py builds the queries);
the people a user may see, and how many, read from indexes alone; everyone in the lists' order.

The names as searched are a column the database computes, search_name: its trigram index finds
the people who may match, and checking each of them reads the stored text (an index on the
expression would compute it again for every row found, several times slower for a common word).
unaccent() is only STABLE (its dictionary could change), so no column or index may call it: they
call immutable_unaccent(), which names the dictionary by its schema and promises the same
result. The embedded SQLite of `make run` has neither extension: its search_name only lowers the
case, no index is made, and its search reads every name, which a demo's few people allow.
"""

import django.db.models.deletion
from django.contrib.postgres.operations import CreateExtension
from django.db import migrations, models

import beneficiaries.people.search

UNACCENT_SQL = """
CREATE FUNCTION immutable_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
"""
DROP_UNACCENT_SQL = "DROP FUNCTION IF EXISTS immutable_unaccent(text);"
SEARCH_INDEXES_SQL = """
CREATE INDEX person_search_name_trgm_idx ON people_beneficiary USING gin (search_name gin_trgm_ops);
CREATE INDEX person_phone_trgm_idx ON people_beneficiary USING gin (phone gin_trgm_ops);
"""
DROP_SEARCH_INDEXES_SQL = """
DROP INDEX IF EXISTS person_phone_trgm_idx;
DROP INDEX IF EXISTS person_search_name_trgm_idx;
"""


class _Extension(CreateExtension):
    """An extension made on PostgreSQL only, as Django's are, and dropped there only too: Django
    drops its own wherever asked, and the demo's SQLite would not migrate back."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("people", "0002_french_level_label")]

    operations = [
        # pg_trgm and unaccent (as TrigramExtension and UnaccentExtension make them), on
        # PostgreSQL only.
        _Extension("pg_trgm"),
        _Extension("unaccent"),
        migrations.RunPython(_on_postgresql(UNACCENT_SQL), _on_postgresql(DROP_UNACCENT_SQL)),
        migrations.AddField(
            model_name="beneficiary",
            name="search_name",
            field=models.GeneratedField(
                db_persist=True,
                expression=beneficiaries.people.search.SearchName(),
                output_field=models.TextField(),
                verbose_name="names as searched",
            ),
        ),
        migrations.RunPython(_on_postgresql(SEARCH_INDEXES_SQL), _on_postgresql(DROP_SEARCH_INDEXES_SQL)),
        # The people a user may see (BeneficiaryQuerySet.visible_to), from the indexes alone.
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(fields=["first_antenna", "id"], name="person_first_antenna_idx"),
        ),
        migrations.AlterField(
            model_name="beneficiary",
            name="first_antenna",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="core.antenna",
                verbose_name="first met at",
            ),
        ),
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(
                condition=models.Q(("anonymised_at__isnull", True)), fields=["id"], name="person_not_anonymised_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="beneficiary",
            index=models.Index(
                condition=models.Q(("anonymised_at__isnull", True)),
                fields=["last_name", "first_name", "id"],
                name="person_name_order_idx",
            ),
        ),
    ]
