"""The SQLite sender lock: one holder per database file; PostgreSQL needs none."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scheduler.lock import SenderLockHeldError, acquire_sender_lock, lock_path


class TestSenderLock:
    def test_one_holder_at_a_time(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'store.db'}"
        first = acquire_sender_lock(url)
        with pytest.raises(SenderLockHeldError) as held:
            acquire_sender_lock(url)
        assert held.value.path == tmp_path / "store.db.sender.lock"
        assert held.value.holder == str(os.getpid())
        first.release()
        acquire_sender_lock(url).release()

    def test_another_file_has_its_own_lock(self, tmp_path: Path) -> None:
        one = acquire_sender_lock(f"sqlite:///{tmp_path / 'one.db'}")
        two = acquire_sender_lock(f"sqlite:///{tmp_path / 'two.db'}")
        one.release()
        two.release()

    @pytest.mark.parametrize(
        "url",
        ["postgresql+psycopg://postgres@127.0.0.1/recruitbot", "sqlite://", "sqlite:///:memory:"],
    )
    def test_no_lock_where_none_is_needed(self, url: str) -> None:
        assert lock_path(url) is None
        acquire_sender_lock(url).release()
        acquire_sender_lock(url).release()
