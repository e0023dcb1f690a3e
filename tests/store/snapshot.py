"""Every table's row count and a hash of its content: proof that nothing changed."""

from __future__ import annotations

import hashlib

from sqlalchemy import MetaData, select

from store.db import make_engine


def snapshot(url: str) -> dict[str, tuple[int, str]]:
    """Return {table: (rows, sha256 of the rows in key order)} for every table in the store."""
    engine = make_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        result: dict[str, tuple[int, str]] = {}
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                rows = connection.execute(select(table).order_by(*order)).all()
                digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
                result[table.name] = (len(rows), digest)
        return result
    finally:
        engine.dispose()
