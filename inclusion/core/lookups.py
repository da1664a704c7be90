"""Lookups shared by the apps' queries."""

import uuid

from django.db import connection
from django.db.models import F, Lookup, Q, QuerySet


class AnyOf(Lookup):
    """`column = ANY(%s::type[])`, a list of values given as one array parameter written as
    PostgreSQL's text of an array: neither Django, the driver nor the planner then goes through
    the values one by one."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        array_type = self.lhs.output_field.cast_db_type(connection)
        values = "{" + ",".join(str(value) for value in self.rhs) + "}"
        return f"{lhs} = ANY(%s::{array_type}[])", (*lhs_params, values)


def one_of(column: str, values: list | QuerySet) -> Q | AnyOf:
    """The rows whose column holds one of these values. A list goes as one array parameter on
    PostgreSQL: an IN list has one parameter per value, which Django, the driver and the planner
    each go through, longer than the query itself for thousands of ids."""
    # No value at all (nothing found), Django leaves the query out. Ids other than numbers and
    # UUIDs could hold what an array's text would have to escape.
    if isinstance(values, QuerySet) or not values or connection.vendor != "postgresql":
        return Q(**{f"{column}__in": values})
    if not all(isinstance(value, int | uuid.UUID) for value in values):
        return Q(**{f"{column}__in": values})
    return AnyOf(F(column), values)
