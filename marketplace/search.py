"""The text condition of the tender search: title, exact reference, or buyer name.

Chinese search words are mostly two characters long (遥感, 点云, 热线), too short for a trigram
index, so on PostgreSQL the title is searched through a GIN index of its character bigrams
(`marketplace_bigrams`, migration 0003): every bigram of the words must be among the title's,
and the title must then really contain the words. The three alternatives are each answered from
an index (bigrams, the reference's unique index, the buyer foreign key), which PostgreSQL combines
(a BitmapOr) instead of scanning every tender; elsewhere a plain `icontains` does.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F, Func, Q, TextField, Value

from registry.models import Organisation


def tender_text_q(text: str) -> Q:
    # References are written in capitals (BZ…): an exact match on the capitalised words finds one
    # through the unique index, where a case-insensitive comparison would scan the table.
    buyers = list(Organisation.objects.filter(name__icontains=text).values_list("pk", flat=True))
    other = Q(reference=text.upper()) | Q(buyer_id__in=buyers)
    title = Q(title__icontains=text)
    if connection.vendor != "postgresql" or len(text) < 2:
        return title | other
    from django.contrib.postgres.fields import ArrayField
    from django.contrib.postgres.lookups import DataContains

    def bigrams(expression: F | Value) -> Func:
        return Func(expression, function="marketplace_bigrams", output_field=ArrayField(TextField()))

    indexed = Q(DataContains(bigrams(F("title")), bigrams(Value(text)))) | other
    if len(text) == 2:  # a single bigram: holding it is holding the words
        return indexed
    # The indexes answer the first condition; the second, cheap, confirms that the title holds the
    # words in order.
    return indexed & (title | other)
