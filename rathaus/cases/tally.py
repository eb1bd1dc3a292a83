"""The counts per state of the workbasket, from the rows the case table's triggers write.

Every insert, update and delete of a case adds rows to ``cases_casetally`` in its own
transaction (+1 for the case's new department, service, state and assignee, -1 for the old
ones; ``install`` creates the triggers). A sum over those rows is therefore exactly the count
over the cases, at any moment, in any transaction, whatever wrote the cases (the services, a
bulk update, the purge, a migration); it reads a few hundred rows where a count would read
every case of the department. ``compact`` folds the rows into one per combination;
``install`` creates the triggers and counts afresh from the cases, after every migrate
(decision 0028).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Sum

from rathaus.forms.workflow import STATES

from .models import CaseTally

# The triggers, per database. Both write only new rows, so concurrent case writes never wait on
# each other's counts; an update that changes none of the counted columns writes nothing.
COUNTED = ("department_id", "service_id", "state", "assignee_id")
_ROW = ("INSERT INTO cases_casetally (department_id, service_id, state, assignee, cases) "
        "VALUES ({r}.department_id, {r}.service_id, {r}.state, COALESCE({r}.assignee_id, 0), {n})")
_CHANGED_SQLITE = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in COUNTED)
_CHANGED_POSTGRES = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}"
                                for column in COUNTED)

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER cases_tally_insert AFTER INSERT ON cases_case BEGIN "
    f"{_ROW.format(r='NEW', n=1)}; END",
    f"CREATE TRIGGER cases_tally_delete AFTER DELETE ON cases_case BEGIN "
    f"{_ROW.format(r='OLD', n=-1)}; END",
    f"CREATE TRIGGER cases_tally_update AFTER UPDATE OF {', '.join(COUNTED)} ON cases_case "
    f"WHEN {_CHANGED_SQLITE} BEGIN {_ROW.format(r='OLD', n=-1)}; "
    f"{_ROW.format(r='NEW', n=1)}; END",
]
POSTGRES_TRIGGERS = [
    "CREATE FUNCTION cases_tally_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_ROW.format(r='OLD', n=-1)}; END IF; "
    f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_ROW.format(r='NEW', n=1)}; END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER cases_tally_insert_delete AFTER INSERT OR DELETE ON cases_case "
    "FOR EACH ROW EXECUTE FUNCTION cases_tally_change()",
    f"CREATE TRIGGER cases_tally_update AFTER UPDATE OF {', '.join(COUNTED)} ON cases_case "
    f"FOR EACH ROW WHEN ({_CHANGED_POSTGRES}) EXECUTE FUNCTION cases_tally_change()",
]
DROP_SQLITE = ["DROP TRIGGER IF EXISTS cases_tally_insert", "DROP TRIGGER IF EXISTS "
               "cases_tally_delete", "DROP TRIGGER IF EXISTS cases_tally_update"]
DROP_POSTGRES = ["DROP TRIGGER IF EXISTS cases_tally_insert_delete ON cases_case",
                 "DROP TRIGGER IF EXISTS cases_tally_update ON cases_case",
                 "DROP FUNCTION IF EXISTS cases_tally_change()"]


def counts(department_ids: list[int], *, service_id: int | None = None,
           assignee: int | None = None) -> dict[str, int]:
    """Return how many cases of the departments are in each state (every state named).

    ``assignee`` narrows to one member of staff's cases, 0 to those of nobody.
    """
    rows = CaseTally.objects.filter(department_id__in=department_ids)
    if service_id is not None:
        rows = rows.filter(service_id=service_id)
    if assignee is not None:
        rows = rows.filter(assignee=assignee)
    summed = {row["state"]: row["n"] or 0
              for row in rows.order_by().values("state").annotate(n=Sum("cases"))}
    return {state: summed.get(state, 0) for state in STATES}


def compact() -> tuple[int, int]:
    """Fold the rows into one per combination; return (rows before, rows after).

    The rows folded are exactly the rows deleted: on PostgreSQL one statement deletes them and
    inserts their sums, so a row a concurrent transaction commits meanwhile is neither lost
    nor counted twice. SQLite has one writer at a time; the transaction is enough.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        before = CaseTally.objects.count()
        if connection.vendor == "postgresql":
            cursor.execute(
                "WITH gone AS (DELETE FROM cases_casetally RETURNING department_id, service_id, "
                "state, assignee, cases) INSERT INTO cases_casetally (department_id, service_id, "
                "state, assignee, cases) SELECT department_id, service_id, state, assignee, "
                "SUM(cases) FROM gone GROUP BY department_id, service_id, state, assignee "
                "HAVING SUM(cases) <> 0")
        else:
            cursor.execute("CREATE TEMP TABLE cases_tally_folded AS SELECT department_id, "
                           "service_id, state, assignee, SUM(cases) AS cases FROM "
                           "cases_casetally GROUP BY department_id, service_id, state, "
                           "assignee HAVING SUM(cases) <> 0")
            cursor.execute("DELETE FROM cases_casetally")
            cursor.execute("INSERT INTO cases_casetally (department_id, service_id, state, "
                           "assignee, cases) SELECT department_id, service_id, state, "
                           "assignee, cases FROM cases_tally_folded")
            cursor.execute("DROP TABLE cases_tally_folded")
        return before, CaseTally.objects.count()


def rebuild() -> int:
    """Count every combination afresh from the cases; return the number of rows written.

    On PostgreSQL the case table is locked against writes meanwhile (SHARE mode: reads go on),
    so that no case changes between forgetting the rows and counting the cases.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE cases_case IN SHARE MODE")
        cursor.execute("DELETE FROM cases_casetally")
        cursor.execute(
            "INSERT INTO cases_casetally (department_id, service_id, state, assignee, cases) "
            "SELECT department_id, service_id, state, COALESCE(assignee_id, 0), COUNT(*) "
            "FROM cases_case GROUP BY department_id, service_id, state, "
            "COALESCE(assignee_id, 0)")
        return int(cursor.rowcount)


def install() -> int:
    """(Re)create the triggers and count afresh; return the number of rows written.

    Run after every migrate (post_migrate), not in a migration: SQLite rebuilds a table for
    many schema changes and drops its triggers with the old one, and a flush (in tests)
    deletes cases and counts in any order. Installing again is always safe.
    """
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in [*(DROP_POSTGRES if postgres else DROP_SQLITE),
                          *(POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS)]:
            cursor.execute(statement)
        return rebuild()


def install_after_migrate(*, using: str = "default", **kwargs: Any) -> None:
    """Receive post_migrate for the cases app."""
    if CaseTally._meta.db_table in connection.introspection.table_names():
        install()
