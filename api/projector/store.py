"""Writes a batch of records into the raw table and the projections, in one transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from api.projector import tables as t
from api.projector.mapping import Record, Row, raw_row, rows_for


def _upsert(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    """Insert or update rows; a row only moves forward (higher position wins)."""
    pk = [c.name for c in table.primary_key.columns]
    keep_first = set(rows[0].keep_first)
    stmt = insert(table)
    assignments: dict[str, Any] = {}
    for column in table.columns:
        if column.name in pk:
            continue
        new = stmt.excluded[column.name]
        if column.name in keep_first:
            assignments[column.name] = func.coalesce(table.c[column.name], new)
        else:
            assignments[column.name] = new
    stmt = stmt.on_conflict_do_update(
        index_elements=pk,
        set_=assignments,
        where=table.c.last_position < stmt.excluded.last_position,
    )
    conn.execute(stmt, [row.values for row in rows])


def _fill_deadline_rules(conn: Connection, definition_keys: Iterable[int]) -> None:
    """Timers and their process definition arrive on different streams, in either order."""
    keys = sorted(set(definition_keys))
    if not keys:
        return
    rule = (
        select(t.process_definition.c.timer_rules[t.timer.c.target_element_id].astext)
        .where(t.process_definition.c.process_definition_key == t.timer.c.process_definition_key)
        .scalar_subquery()
    )
    conn.execute(
        update(t.timer)
        .where(t.timer.c.process_definition_key.in_(keys), t.timer.c.deadline_rule.is_(None))
        .values(deadline_rule=rule)
    )


_CASE_ID = text(
    """
    UPDATE process_instance AS pi
       SET case_id = (v.value::jsonb #>> '{}')::uuid
      FROM variable AS v
     WHERE pi.process_instance_key = ANY(:keys)
       AND v.process_instance_key = pi.process_instance_key
       AND v.scope_key = pi.process_instance_key
       AND v.name = 'caseId'
       AND v.value ~ '^"[0-9a-fA-F-]{36}"$'
       AND pi.case_id IS DISTINCT FROM (v.value::jsonb #>> '{}')::uuid
    """
)


def _fill_case_ids(conn: Connection, instance_keys: Iterable[int]) -> None:
    """An instance and its caseId variable arrive on different streams, in either order."""
    keys = sorted(set(instance_keys))
    if keys:
        conn.execute(_CASE_ID, {"keys": keys})


def project(conn: Connection, records: Sequence[Record]) -> int:
    """Store and project records; returns how many were new. Idempotent on (partition, position)."""
    if not records:
        return 0
    unique = {(r["partitionId"], r["position"]): r for r in records}
    ordered = [unique[k] for k in sorted(unique)]
    inserted = conn.execute(
        insert(t.raw_record)
        .on_conflict_do_nothing(index_elements=["partition_id", "position"])
        .returning(t.raw_record.c.position),
        [raw_row(r) for r in ordered],
    ).fetchall()
    apply_projections(conn, ordered)
    return len(inserted)


def _merge_same_key(rows: list[Row]) -> list[Row]:
    """One row per key and batch: a multi-row upsert may not touch the same row twice."""
    pk = [c.name for c in rows[0].table.primary_key.columns]
    merged: dict[tuple[Any, ...], Row] = {}
    for row in rows:  # in position order
        key = tuple(row.values[c] for c in pk)
        earlier = merged.get(key)
        if earlier is not None:
            values = dict(row.values)
            for column in row.keep_first:
                if earlier.values[column] is not None:
                    values[column] = earlier.values[column]
            row = Row(row.table, values, row.keep_first)
        merged[key] = row
    return list(merged.values())


def apply_projections(conn: Connection, ordered: Sequence[Record]) -> None:
    by_table: dict[str, list[Row]] = defaultdict(list)
    for record in ordered:
        for row in rows_for(record):
            by_table[row.table.name].append(row)
    by_table = {name: _merge_same_key(rows) for name, rows in by_table.items()}
    for table in t.PROJECTIONS:
        rows = by_table.get(table.name)
        if rows:
            _upsert(conn, table, rows)
    touched = [
        row.values["process_definition_key"]
        for name in ("timer", "process_definition")
        for row in by_table.get(name, [])
    ]
    _fill_deadline_rules(conn, touched)
    _fill_case_ids(
        conn,
        [row.values["process_instance_key"] for row in by_table.get("process_instance", [])]
        + [
            row.values["process_instance_key"]
            for row in by_table.get("variable", [])
            if row.values["name"] == "caseId"
        ],
    )


def truncate_projections(conn: Connection) -> None:
    names = ", ".join(table.name for table in t.PROJECTIONS)
    conn.execute(text(f"TRUNCATE {names}"))


def replay(conn: Connection, batch: int = 5000) -> int:
    """Rebuild every projection from the raw table, in engine order."""
    truncate_projections(conn)
    count = 0
    last = (-1, -1)
    while True:
        rows = conn.execute(
            select(t.raw_record.c.partition_id, t.raw_record.c.position, t.raw_record.c.payload)
            .where(
                (t.raw_record.c.partition_id > last[0])
                | ((t.raw_record.c.partition_id == last[0]) & (t.raw_record.c.position > last[1]))
            )
            .order_by(t.raw_record.c.partition_id, t.raw_record.c.position)
            .limit(batch)
        ).fetchall()
        if not rows:
            return count
        apply_projections(conn, [row.payload for row in rows])
        count += len(rows)
        last = (rows[-1].partition_id, rows[-1].position)
