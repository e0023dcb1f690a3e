"""Validate a member file's rows chunk by chunk: in this process, or a big file in a process pool.

Validation is most of an import's Python time (phone numbers, dates, pseudonyms), and it needs
nothing from the store, so for a big file worker processes validate the next chunks while this
process merges and writes the earlier ones. The chunks come back in the file's order with the
same results, so the import does exactly what it does in-process. A small file never starts a
pool: that costs more than its validation.

The workers are forked: they inherit the pseudonymizer (its CPR cipher cannot be pickled) and
the loaded modules, so a worker starts in milliseconds. Rows and results cross to them by pipe
only; nothing of them is written or logged. Where fork is not available, all rows are validated
in this process.

Only a caller that asks forks: the CLI's `recruitbot import` passes `POOL_WORKERS` (its one
other thread draws the progress bar, and no worker touches what that thread locks). Every other
import validates in its own thread, the API's and the console's among them: a fork copies only
the thread that forks, with every lock the other threads hold at that moment (requests, the
reply courier, the scheduler, logging), and a worker that needed one of them would wait for
ever. The outcome is the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from itertools import chain, islice

from core.pseudonyms import Pseudonymizer
from outreach.contacts.validation import MemberRow, RejectedRow, validate_row

Row = tuple[int, Mapping[str, str]]
Chunk = list[Row]
Result = MemberRow | RejectedRow

# A pool is started only for a file of more rows than this; a worker's fork costs little, but
# below this a pool saves less than its start. Tests lower it to send small files through one.
POOL_FROM_ROWS = 10_000
# One worker keeps ahead of this process's merging and writing; a second one only took CPU from
# it and from PostgreSQL on a two-core machine. With a single core, no pool.
POOL_WORKERS = 1 if (os.cpu_count() or 1) > 1 else 0


@dataclass(frozen=True, slots=True)
class _Unreadable:
    """Reading the file failed here; the error is raised when the import reaches this point."""

    error: Exception


def validated_chunks(
    rows: Iterable[Row],
    *,
    size: int,
    pseudonymizer: Pseudonymizer,
    today: date,
    workers: int,
    pool_from: int = POOL_FROM_ROWS,
) -> Generator[tuple[Chunk, list[Result]], None, None]:
    """Yield the rows in chunks of `size`, each with its rows' results, in the file's order.

    With `workers` > 0 and more than `pool_from` rows, that many worker processes validate the
    chunks ahead of the one yielded. An error reading the file is raised after the chunks read
    before it, as reading in step would raise it. Close the iterator to stop the pool early.
    """
    chunks = _read(rows, size)
    head: list[Chunk | _Unreadable] = []
    count = 0
    for item in chunks:
        head.append(item)
        if isinstance(item, _Unreadable):
            break
        count += len(item)
        if count > pool_from:
            break
    items = chain(head, chunks)
    if workers < 1 or count <= pool_from or "fork" not in multiprocessing.get_all_start_methods():
        for item in items:
            chunk = _chunk(item)
            yield chunk, validate_chunk(chunk, pseudonymizer, today)
        return
    yield from _pooled(items, pseudonymizer=pseudonymizer, today=today, workers=workers)


def validate_chunk(chunk: Chunk, pseudonymizer: Pseudonymizer, today: date) -> list[Result]:
    """Validate each row of a chunk."""
    return [
        validate_row(line=line, raw=raw, pseudonymizer=pseudonymizer, today=today)
        for line, raw in chunk
    ]


def _pooled(
    items: Iterator[Chunk | _Unreadable],
    *,
    pseudonymizer: Pseudonymizer,
    today: date,
    workers: int,
) -> Iterator[tuple[Chunk, list[Result]]]:
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(pseudonymizer, today),  # not pickled: a forked worker inherits them
    )
    ahead = workers + 1  # chunks in the workers' hands while this process writes one
    pending: deque[tuple[Chunk | _Unreadable, Future[list[Result]] | None]] = deque()
    try:
        for item in items:
            future = None if isinstance(item, _Unreadable) else pool.submit(_in_worker, item)
            pending.append((item, future))
            while len(pending) > ahead:
                yield _settled(*pending.popleft())
        while pending:
            yield _settled(*pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _settled(
    item: Chunk | _Unreadable, future: Future[list[Result]] | None
) -> tuple[Chunk, list[Result]]:
    chunk = _chunk(item)
    assert future is not None
    return chunk, future.result()


def _chunk(item: Chunk | _Unreadable) -> Chunk:
    """Return the chunk, or raise the error reading the file met at this point."""
    if isinstance(item, _Unreadable):
        raise item.error
    return item


def _read(rows: Iterable[Row], size: int) -> Iterator[Chunk | _Unreadable]:
    """Read the rows in chunks; an error reading them ends the chunks, marking where it came."""
    iterator = iter(rows)
    while True:
        try:
            chunk = list(islice(iterator, size))
        except Exception as error:  # raised again where the import reaches it
            yield _Unreadable(error)
            return
        if not chunk:
            return
        yield chunk


_worker: tuple[Pseudonymizer, date] | None = None  # set in each worker process


def _start_worker(pseudonymizer: Pseudonymizer, today: date) -> None:
    global _worker  # a worker process's own state, set once as it starts
    _worker = (pseudonymizer, today)


def _in_worker(chunk: Chunk) -> list[Result]:
    assert _worker is not None
    return validate_chunk(chunk, *_worker)
