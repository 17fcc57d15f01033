"""A file's sha256, remembered while the file is unchanged (ingest/embeddings/digests.py)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

from ingest.embeddings import digests


@pytest.fixture
def hashes() -> Iterator[mock.MagicMock]:
    """Counts the files actually read and hashed."""
    with mock.patch.object(digests, "_hash", wraps=digests._hash) as hashing:
        yield hashing


def test_an_unchanged_file_is_hashed_once(tmp_path: Path, hashes: mock.MagicMock) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"weights" * 1000)
    expected = hashlib.sha256(model.read_bytes()).hexdigest()
    memo = tmp_path / "digests"
    assert digests.file_sha256(model, memo) == expected
    assert digests.file_sha256(model, memo) == expected
    assert hashes.call_count == 1
    assert digests.file_sha256(model) == expected  # no folder: always hashed
    assert hashes.call_count == 2


def test_a_changed_file_is_hashed_again_even_with_its_old_size_and_time(
        tmp_path: Path, hashes: mock.MagicMock) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"a" * 4096)
    memo = tmp_path / "digests"
    digests.file_sha256(model, memo)
    before = model.stat()
    model.write_bytes(b"b" * 4096)  # same size
    os.utime(model, ns=(before.st_atime_ns, before.st_mtime_ns))  # modification time put back
    assert digests.file_sha256(model, memo) == hashlib.sha256(b"b" * 4096).hexdigest()
    assert hashes.call_count == 2


def test_a_replaced_file_is_hashed_again(tmp_path: Path, hashes: mock.MagicMock) -> None:
    model, other = tmp_path / "model.onnx", tmp_path / "other.onnx"
    model.write_bytes(b"a" * 10)
    other.write_bytes(b"b" * 10)
    memo = tmp_path / "digests"
    digests.file_sha256(model, memo)
    os.replace(other, model)
    assert digests.file_sha256(model, memo) == hashlib.sha256(b"b" * 10).hexdigest()
    assert hashes.call_count == 2


def test_a_broken_record_or_an_unwritable_folder_only_costs_a_hash(tmp_path: Path,
                                                                    hashes: mock.MagicMock) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"weights")
    memo = tmp_path / "digests"
    digests.file_sha256(model, memo)
    for record in memo.iterdir():
        record.write_text("{not json", encoding="utf-8")
    assert digests.file_sha256(model, memo) == hashlib.sha256(b"weights").hexdigest()
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("", encoding="utf-8")
    assert digests.file_sha256(model, in_the_way / "digests") == hashlib.sha256(b"weights").hexdigest()
    assert hashes.call_count == 3
    assert digests.file_sha256(tmp_path / "a-file") == hashlib.sha256(b"").hexdigest()
