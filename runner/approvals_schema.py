"""The review UI's tables, defined once and rendered for SQLite and PostgreSQL.

``PATTERN_APPROVALS`` and ``PATTERN_REVIEW_HISTORY`` below are the output contract of
DESIGN.md as Python data. The DDL and the sync's upsert are built from them as sqlglot
expression trees and rendered per dialect, so the two databases cannot drift apart:
sqlglot turns ``AUTOINCREMENT`` into an identity column, ``DOUBLE`` into ``REAL`` or
``DOUBLE PRECISION``, a null-safe comparison into ``IS NOT`` or ``IS DISTINCT FROM``, and
placeholders into ``?`` or ``%s``. Only the ``updated_at`` triggers are per-dialect
templates: sqlglot keeps a trigger (and a plpgsql body) as an opaque command it cannot
build or translate.

The same module checks an existing table against the contract, because the sync uses
the table the UI created as it is and never alters it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlglot import exp
from sqlglot.errors import ParseError

from runner.targets import Dialect

Family = Literal["integer", "real", "text", "timestamp"]

APPROVALS = "pattern_approvals"
HISTORY = "pattern_review_history"

STATUSES = ("pending", "approved", "rejected", "auto-approved", "auto-rejected")
#: Statuses only a reviewer sets; the sync's statuses are the other three.
HUMAN_STATUSES = ("approved", "rejected")
HISTORY_ACTIONS = ("approved", "rejected", "flagged", "commented")


@dataclass(frozen=True)
class Column:
    name: str
    family: Family
    nullable: bool = True
    unique: bool = False
    #: An autoincrementing integer primary key.
    identity: bool = False
    default_now: bool = False
    check: exp.Expression | None = None
    #: (table, column) this column references.
    references: tuple[str, str] | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    #: Single-column indexes, named ``idx_<table>_<column>``.
    indexes: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _col(name: str) -> exp.Column:
    return exp.column(name)


PATTERN_APPROVALS = Table(
    name=APPROVALS,
    columns=(
        Column("id", "integer", nullable=False, identity=True),
        Column("pattern_id", "text", nullable=False, unique=True),
        Column("status", "text", nullable=False, check=_col("status").isin(*STATUSES)),
        Column("reviewed_by", "text"),
        Column("reviewed_at", "timestamp"),
        Column("approval_notes", "text"),
        Column(
            "confidence_score", "real", nullable=False, check=_col("confidence_score").between(0, 1)
        ),
        Column("occurrence_count", "integer", nullable=False),
        Column("estimated_savings_usd", "real", nullable=False),
        Column("tool_sequence", "text", nullable=False),
        Column("pattern_context", "text"),
        Column("example_sessions", "text"),
        Column("created_at", "timestamp", default_now=True),
        Column("updated_at", "timestamp", default_now=True),
    ),
    indexes=("status", "reviewed_at", "confidence_score"),
)

PATTERN_REVIEW_HISTORY = Table(
    name=HISTORY,
    columns=(
        Column("id", "integer", nullable=False, identity=True),
        Column("pattern_id", "text", nullable=False, references=(APPROVALS, "pattern_id")),
        Column("action", "text", nullable=False, check=_col("action").isin(*HISTORY_ACTIONS)),
        Column("reviewer", "text"),
        Column("notes", "text"),
        Column("created_at", "timestamp", default_now=True),
    ),
    indexes=("pattern_id",),
)

#: What the sync writes, in the order of the upsert's placeholders.
SYNCED_COLUMNS = (
    "pattern_id",
    "status",
    "confidence_score",
    "occurrence_count",
    "estimated_savings_usd",
    "tool_sequence",
    "pattern_context",
    "example_sessions",
)
#: Refreshed on every row, decided by a human or not. The decision columns (status,
#: reviewed_by, reviewed_at, approval_notes) are never overwritten once a human decided.
METRIC_COLUMNS = SYNCED_COLUMNS[2:]

_DATA_TYPES: dict[Family, str] = {
    # DOUBLE, not REAL: PostgreSQL's REAL is 4 bytes and would lose the cents of large
    # savings; sqlglot renders DOUBLE as SQLite's (8-byte) REAL.
    "integer": "INT",
    "real": "DOUBLE",
    "text": "TEXT",
    "timestamp": "TIMESTAMP",
}


# --- DDL -------------------------------------------------------------------------------
def _column_def(column: Column) -> exp.ColumnDef:
    kinds: list[exp.Expression] = []
    if column.identity:
        kinds += [exp.PrimaryKeyColumnConstraint(), exp.AutoIncrementColumnConstraint()]
    elif not column.nullable:
        kinds.append(exp.NotNullColumnConstraint())
    if column.unique:
        kinds.append(exp.UniqueColumnConstraint())
    if column.check is not None:
        kinds.append(exp.CheckColumnConstraint(this=column.check.copy()))
    if column.default_now:
        kinds.append(exp.DefaultColumnConstraint(this=exp.CurrentTimestamp()))
    if column.references:
        table, ref_column = column.references
        kinds.append(
            exp.Reference(
                this=exp.Schema(
                    this=exp.to_table(table), expressions=[exp.to_identifier(ref_column)]
                )
            )
        )
    return exp.ColumnDef(
        this=exp.to_identifier(column.name),
        kind=exp.DataType.build(_DATA_TYPES[column.family]),
        constraints=[exp.ColumnConstraint(kind=kind) for kind in kinds],
    )


def _create_table(table: Table) -> exp.Create:
    return exp.Create(
        kind="TABLE",
        exists=True,
        this=exp.Schema(
            this=exp.to_table(table.name), expressions=[_column_def(c) for c in table.columns]
        ),
    )


def _create_index(table: Table, column: str) -> exp.Create:
    return exp.Create(
        kind="INDEX",
        exists=True,
        this=exp.Index(
            this=exp.to_identifier(f"idx_{table.name}_{column}"),
            table=exp.to_table(table.name),
            params=exp.IndexParameters(columns=[_col(column)]),
        ),
    )


# Triggers stay templates (see the module docstring). Both only set updated_at when the
# UPDATE did not set it itself, so a deliberate write of updated_at is kept.
_SQLITE_TRIGGER = f"""
CREATE TRIGGER IF NOT EXISTS {APPROVALS}_set_updated_at
AFTER UPDATE ON {APPROVALS}
FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    -- The inner UPDATE fires this trigger again only if PRAGMA recursive_triggers is on;
    -- its WHERE then matches no row (updated_at already is now), which ends the recursion.
    UPDATE {APPROVALS} SET updated_at = CURRENT_TIMESTAMP
    WHERE id = NEW.id AND updated_at IS NOT CURRENT_TIMESTAMP;
END
"""

_POSTGRES_TRIGGER = (
    f"""
CREATE OR REPLACE FUNCTION {APPROVALS}_set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := CURRENT_TIMESTAMP;
    END IF;
    RETURN NEW;
END
$$
""",
    f"""
CREATE TRIGGER {APPROVALS}_set_updated_at
BEFORE UPDATE ON {APPROVALS}
FOR EACH ROW EXECUTE FUNCTION {APPROVALS}_set_updated_at()
""",
)


def create_statements(dialect: Dialect) -> list[str]:
    """Everything that creates both tables, their indexes and the updated_at trigger."""
    statements = []
    for table in (PATTERN_APPROVALS, PATTERN_REVIEW_HISTORY):
        statements.append(_create_table(table).sql(dialect=dialect))
        statements += [_create_index(table, c).sql(dialect=dialect) for c in table.indexes]
    statements += [_SQLITE_TRIGGER] if dialect == "sqlite" else list(_POSTGRES_TRIGGER)
    return [s.strip() for s in statements]


# --- DML -------------------------------------------------------------------------------
def human_decided(table: str = APPROVALS) -> exp.Condition:
    """A row whose decision belongs to a reviewer: approved/rejected, or reviewed_by set."""
    return exp.or_(
        exp.column("status", table).isin(*HUMAN_STATUSES),
        exp.not_(exp.column("reviewed_by", table).is_(exp.null())),
    )


def _differs(column: str) -> exp.Expression:
    """Null-safe "changed": IS DISTINCT FROM in PostgreSQL, IS NOT in SQLite."""
    return exp.NullSafeNEQ(
        this=exp.column(column, APPROVALS), expression=exp.column(column, "excluded")
    )


def upsert_statement(dialect: Dialect) -> str:
    """INSERT … ON CONFLICT (pattern_id) DO UPDATE that keeps human decisions.

    The guard is in the statement, not in Python, so a reviewer's decision committed
    between the sync's read and its write is still seen (the conflict check reads the
    current row) and kept. The WHERE makes a re-sync of unchanged rows update nothing,
    so updated_at does not move.
    """
    status = exp.column("status", APPROVALS)
    assignments = [
        exp.EQ(
            this=_col("status"),
            expression=exp.Case(
                ifs=[exp.If(this=human_decided(), true=status)],
                default=exp.column("status", "excluded"),
            ),
        ),
        *(exp.EQ(this=_col(c), expression=exp.column(c, "excluded")) for c in METRIC_COLUMNS),
    ]
    changed = exp.or_(
        *(_differs(c) for c in METRIC_COLUMNS),
        exp.and_(exp.not_(exp.paren(human_decided())), _differs("status")),
    )
    insert = exp.insert(
        exp.values([tuple(exp.Placeholder() for _ in SYNCED_COLUMNS)]),
        APPROVALS,
        columns=list(SYNCED_COLUMNS),
    )
    insert.set(
        "conflict",
        exp.OnConflict(
            conflict_keys=[_col("pattern_id")],
            action=exp.var("DO UPDATE"),
            expressions=assignments,
            where=exp.Where(this=changed),
        ),
    )
    return insert.sql(dialect=dialect)


#: Columns read back to compare: the decision guard plus everything the sync writes.
EXISTING_COLUMNS = ("pattern_id", "status", "reviewed_by", *METRIC_COLUMNS)


def select_existing_statement(dialect: Dialect, count: int) -> str:
    """The stored rows for ``count`` pattern ids, to tell inserts, updates and no-ops apart."""
    return (
        exp.select(*EXISTING_COLUMNS)
        .from_(APPROVALS)
        .where(_col("pattern_id").isin(*(exp.Placeholder() for _ in range(count))))
        .sql(dialect=dialect)
    )


# --- checking an existing table --------------------------------------------------------
#: Stored families each contract family accepts (SQLite keeps timestamps as text).
_ACCEPTED: dict[Family, set[str]] = {
    "integer": {"integer"},
    "real": {"real", "numeric"},
    "text": {"text"},
    "timestamp": {"timestamp", "text"},
}


@dataclass(frozen=True)
class ExistingTable:
    """What the target's pattern_approvals looks like: declared types and key facts."""

    dialect: Dialect
    #: column name → declared type, as the database reports it.
    columns: dict[str, str]
    unique_pattern_id: bool
    #: Real columns stored in 4 bytes (PostgreSQL ``real``); compare their values as such.
    single_precision: frozenset[str] = field(default_factory=frozenset)

    def problems(self) -> list[str]:
        """Every way the table breaks the contract, worded for the operator."""
        found = []
        for column in PATTERN_APPROVALS.columns:
            declared = self.columns.get(column.name)
            if declared is None:
                found.append(f"missing column {column.name}")
            elif type_family(declared, self.dialect) not in _ACCEPTED[column.family]:
                shown = declared.lower() or "none"
                found.append(f"column {column.name} has type {shown}, expected {column.family}")
        if "pattern_id" in self.columns and not self.unique_pattern_id:
            found.append("no unique constraint on pattern_id")
        return found


def type_family(declared: str, dialect: Dialect) -> str:
    """integer / real / numeric / text / timestamp / other, as the database treats the type."""
    if dialect == "sqlite":
        return _sqlite_affinity(declared)
    try:
        dtype = exp.DataType.build(declared, dialect="postgres").this
    except (ParseError, ValueError):
        return "other"
    if dtype in exp.DataType.INTEGER_TYPES:
        return "integer"
    if dtype in (exp.DataType.Type.FLOAT, exp.DataType.Type.DOUBLE):
        return "real"
    if dtype in exp.DataType.REAL_TYPES:
        return "numeric"
    if dtype in exp.DataType.TEXT_TYPES:
        return "text"
    return "timestamp" if dtype in exp.DataType.TEMPORAL_TYPES else "other"


def _sqlite_affinity(declared: str) -> str:
    """SQLite's own column-affinity rules (https://sqlite.org/datatype3.html §3.1)."""
    upper = declared.upper()
    if "INT" in upper:
        return "integer"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if not upper or "BLOB" in upper:
        return "other"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "real"
    return "timestamp" if any(word in upper for word in ("DATE", "TIME")) else "numeric"


def inspect_approvals(conn: Any, dialect: Dialect) -> ExistingTable | None:
    """The target's pattern_approvals, or None when it does not exist yet."""
    if dialect == "sqlite":
        return _inspect_sqlite(conn)
    return _inspect_postgres(conn)


def _inspect_sqlite(conn: sqlite3.Connection) -> ExistingTable | None:
    info = conn.execute(f"PRAGMA table_info({APPROVALS})").fetchall()
    if not info:
        return None
    columns = {row[1]: row[2] for row in info}
    key = [row[1] for row in info if row[5]]
    unique = key == ["pattern_id"]
    for _, name, is_unique, _origin, partial in conn.execute(
        f"PRAGMA index_list({APPROVALS})"
    ).fetchall():
        indexed = [row[2] for row in conn.execute(f'PRAGMA index_info("{name}")').fetchall()]
        unique = unique or (bool(is_unique) and not partial and indexed == ["pattern_id"])
    return ExistingTable("sqlite", columns, unique)


_PG_COLUMNS = """
select a.attname, format_type(a.atttypid, a.atttypmod)
from pg_attribute as a
where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped
"""
# ON CONFLICT (pattern_id) needs a plain (not partial, not expression) unique index on it.
_PG_UNIQUE_PATTERN_ID = """
select exists (
    select 1
    from pg_index as i
    inner join pg_attribute as a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
    where i.indrelid = to_regclass(%s) and i.indisunique and i.indnkeyatts = 1
      and i.indpred is null and i.indexprs is null and a.attname = 'pattern_id'
)
"""


def _inspect_postgres(conn: Any) -> ExistingTable | None:
    columns = dict(conn.execute(_PG_COLUMNS, (APPROVALS,)).fetchall())
    if not columns:
        return None
    unique = bool(conn.execute(_PG_UNIQUE_PATTERN_ID, (APPROVALS,)).fetchone()[0])
    single = frozenset(name for name, declared in columns.items() if declared == "real")
    return ExistingTable("postgres", columns, unique, single)
