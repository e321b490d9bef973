"""The tender search's text index (PostgreSQL only; see marketplace/search.py): a GIN index of the
character bigrams of each title. SQLite searches titles with a plain scan and gets nothing here."""

from django.db import migrations

# The distinct two-character substrings of the capitalised text. PL/pgSQL, because PostgreSQL
# computes it row by row wherever it reads tenders without the index, and a loop is some four
# times quicker there than the same in SQL (generate_series and array_agg).
BIGRAMS = """
CREATE OR REPLACE FUNCTION marketplace_bigrams(value text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    capitals text := upper(value);
    result text[] := '{}';
BEGIN
    FOR i IN 1 .. char_length(capitals) - 1 LOOP
        result := result || substr(capitals, i, 2);
    END LOOP;
    RETURN result;
END
$$
"""
INDEX = "CREATE INDEX marketplace_tender_title_bigrams ON marketplace_tender USING gin (marketplace_bigrams(title))"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BIGRAMS)
        schema_editor.execute(INDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS marketplace_tender_title_bigrams")
        schema_editor.execute("DROP FUNCTION IF EXISTS marketplace_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0002_tender_recent_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
