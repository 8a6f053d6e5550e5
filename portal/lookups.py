"""Choice values written into the SQL, not sent as parameters (issue 14).

The queues read partial indexes whose condition names a state or a status (``WHERE state
= 'submitted'``, ``WHERE outcome = ''``). PostgreSQL can use such an index only when it
can prove the query's condition implies the index's: with ``state = $1`` it can for the
value of one execution (a custom plan) but not for a plan made once for every value (a
generic plan, which a prepared statement gets after five runs: ``DB_PREPARE_THRESHOLD``).
Measured at 1,000,000 tickets with generic plans forced, the HFS home took 834 ms and
the MCO queue's "Responded" filter 268 ms, against 31 and 39 ms with the values seen.

So ``exact`` and ``in`` on a text field with choices write the value into the SQL when it
is one of the field's own choices (or the empty string of a field that may be blank) and
made only of letters, digits and ``_ . -``: a value the code defines, never what a person
typed (anything else is a parameter, as Django sends it). The SQL says the same, each
state's statement is its own, and a generic plan uses the same partial index as a custom
one.
"""

from __future__ import annotations

import functools
import re

from django.db import models
from django.db.models.lookups import Exact, In

SAFE = re.compile(r"[A-Za-z0-9_.\-]*\Z")


@functools.cache
def _choices(field) -> frozenset:
    values = {str(value) for value, _label in field.flatchoices}
    if field.blank:
        values.add("")
    return frozenset(values)


def _literal(lookup, value):
    """``value`` as an SQL literal, or None when it must stay a parameter."""
    field = getattr(lookup.lhs, "output_field", None)
    if (not isinstance(field, models.CharField) or not field.choices
            or not isinstance(value, str) or not SAFE.match(value)
            or value not in _choices(field)):
        return None
    return f"'{value}'"


class ChoiceExact(Exact):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            literal = _literal(self, self.rhs)
            if literal is not None:
                return literal, ()
        return super().process_rhs(compiler, connection)


class ChoiceIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            try:
                values = [value for value in dict.fromkeys(self.rhs) if value is not None]
            except TypeError:  # unhashable values: Django's own path says what is wrong
                values = []
            literals = [_literal(self, value) for value in values]
            if literals and None not in literals:
                return "(" + ", ".join(literals) + ")", ()
        return super().process_rhs(compiler, connection)


def register():
    models.CharField.register_lookup(ChoiceExact)
    models.CharField.register_lookup(ChoiceIn)
