"""Refusing unsafe input: traversal, symlinks out of the tree, special and unreadable files."""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from cairn.digest import canonical_json
from cairn.errors import CorruptData, InvalidPath, UnreadableFile, UnsupportedFile
from cairn.store import Store
from cairn.store.tree import check_relative_path

from .conftest import write_random


@pytest.mark.parametrize(
    "path", ["../x", "a/../../x", "/etc/passwd", "a//b", "./a", "C:/x", "a\\b"]
)
def test_unclean_paths_are_refused(path: str) -> None:
    with pytest.raises(InvalidPath, match="relative"):
        check_relative_path(path)


def test_symlink_out_of_the_tree_is_refused(local_store: Store, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_random(tree / "ok.bin", 10)
    secret = write_random(tmp_path / "secret", 10)
    (tree / "link").symlink_to(secret)
    with pytest.raises(InvalidPath, match="link") as caught:
        local_store.put_tree(tree)
    assert "outside the tree" in str(caught.value)


def test_symlink_inside_the_tree_is_stored_as_its_content(
    local_store: Store, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    write_random(tree / "real.bin", 100, seed=5)
    (tree / "alias.bin").symlink_to("real.bin")
    snapshot = local_store.put_tree(tree)
    assert [f.path for f in snapshot.files] == ["alias.bin", "real.bin"]
    assert snapshot.files[0].digest == snapshot.files[1].digest


def test_fifo_and_socket_are_refused(local_store: Store, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    os.mkfifo(tree / "pipe")
    with pytest.raises(UnsupportedFile, match=r"pipe.*fifo"):
        local_store.put_tree(tree)
    (tree / "pipe").unlink()
    short = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(short / "sock"))
            with pytest.raises(UnsupportedFile, match="socket"):
                local_store.put_tree(short)
    finally:
        shutil.rmtree(short)


def test_device_file_is_refused(local_store: Store) -> None:
    with pytest.raises(UnsupportedFile, match="/dev/null is a device"):
        local_store.put_tree([Path("/dev/null")])


def test_duplicate_names_in_a_list_are_refused(local_store: Store, tmp_path: Path) -> None:
    one = write_random(tmp_path / "a" / "w.bin", 10)
    two = write_random(tmp_path / "b" / "w.bin", 10)
    with pytest.raises(InvalidPath, match=r"w\.bin"):
        local_store.put_tree([one, two])


def test_manifest_with_traversal_is_refused(local_store: Store) -> None:
    evil = {
        "format": "cairn.manifest/1",
        "files": [
            {
                "path": "../evil",
                "size": 0,
                "mode": 420,
                "digest": "blake3:" + "0" * 64,
                "chunks": [],
            }
        ],
    }
    with pytest.raises(InvalidPath, match="evil"):
        local_store.put_manifest(canonical_json(evil))
    with pytest.raises(CorruptData):
        local_store.put_manifest(json.dumps({"format": "cairn.manifest/1", "files": [{}]}).encode())


def test_unreadable_file_is_named(
    local_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tree"
    write_random(tree / "locked.bin", 10)
    (tree / "locked.bin").chmod(0o000)
    if os.geteuid() == 0:  # root reads anything: the one fault we cannot cause, so mock it
        monkeypatch.setattr(os, "access", lambda *_args, **_kw: False)
    with pytest.raises(UnreadableFile, match=r"locked\.bin") as caught:
        local_store.put_tree(tree)
    assert "chmod" in str(caught.value)
