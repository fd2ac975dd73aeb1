"""PostgreSQL: the words' GIN index also holds each entry's jurisdiction, as words.

Every entry's index words are its text's and five more made from its region code, one per
level (`~33`, `~3306`, `~330681`, `~330681109`, `~330681109008`: the code's first 2, 4, 6, 9
and 12 digits; no typed word begins with `~`). A search then asks the index for the words AND
the jurisdiction's codes (selectors.text_hits), so a town head's common word reads the town's
entries that hold it rather than the city's, and a village's rare word never leaves the village.
It replaces the index of the text's words alone (same size within a few MB). SQLite unchanged.
"""

from django.db import migrations

# The same expression as selectors.WORDS (a test holds them equal).
WORDS = (
    "(tsv || array_to_tsvector(ARRAY["
    "'~' || left(region_code::text, 2), '~' || left(region_code::text, 4), "
    "'~' || left(region_code::text, 6), '~' || left(region_code::text, 9), "
    "'~' || region_code::text]))"
)

FORWARD = [
    f"CREATE INDEX IF NOT EXISTS search_entry_words ON search_entry USING gin ({WORDS})",
    "DROP INDEX IF EXISTS search_entry_tsv",
]
REVERSE = [
    "CREATE INDEX IF NOT EXISTS search_entry_tsv ON search_entry USING gin (tsv)",
    "DROP INDEX IF EXISTS search_entry_words",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_index")]

    operations = [migrations.RunPython(_run(FORWARD), _run(REVERSE))]
