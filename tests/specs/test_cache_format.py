"""The cache file's format: one HMAC over the file, marshal entries, nothing trusted otherwise."""

from __future__ import annotations

import hashlib
import hmac
import json
import marshal
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from reconciler.config import load_project
from reconciler.specs import cache as cache_mod
from reconciler.specs.cache_file import MAGIC, seal, unseal
from reconciler.specs.cache_session import spec_cache_enabled
from reconciler.specs.loader import LoadResult, load_campaigns, resolve_variables
from tests.specs.helpers import GOOD_CSV, GOOD_SPEC, spec_with
from tests.support.projects import make_project

KEY = b"k" * 64
BASE = "b" * 64
ENTRY = (b"\x01" * 32, {}, (), (), ())
CACHE_FILE = ".reconciler/dev.sqlite.speccache"
CSV_SPEC = spec_with(
    """  customer_details:
    - {id: c1, to_number: "+919812345601"}
    - {id: c2, to_number: "+919812345602"}
""",
    "  customer_details_csv: audiences/a.csv\n",
).replace("key: promo", "key: csv")


def test_sealed_entries_read_back_only_with_the_key_and_base():
    """Entries come back with the same key and base; any other key or base gives none."""
    data = seal(KEY, BASE, {"campaigns/a.yaml": ENTRY})
    assert data.startswith(MAGIC)
    assert unseal(data, KEY, BASE) == {"campaigns/a.yaml": ENTRY}
    assert unseal(data, b"x" * 64, BASE) == {}
    assert unseal(data, KEY, "c" * 64) == {}


@pytest.mark.parametrize("where", [0, len(MAGIC) + 3, -1, -20])
def test_any_changed_byte_makes_the_file_untrusted(where: int):
    """A flipped byte anywhere (format line, HMAC, entries) and nothing is read."""
    data = bytearray(seal(KEY, BASE, {"campaigns/a.yaml": ENTRY}))
    data[where] ^= 0x01
    assert unseal(bytes(data), KEY, BASE) == {}


def test_short_foreign_or_other_format_files_give_no_entries():
    """Truncated bytes, the JSON format of version 1 and junk are ignored, never raised."""
    data = seal(KEY, BASE, {"campaigns/a.yaml": ENTRY})
    for junk in (b"", MAGIC, data[:-1], data[: len(MAGIC) + 10], b'{"format": "x"}'):
        assert unseal(junk, KEY, BASE) == {}
    old = json.dumps({"format": "reconciler-speccache/1", "files": {}}).encode()
    assert unseal(old, KEY, BASE) == {}


def _signed(payload: bytes) -> bytes:
    return MAGIC + hmac.new(KEY, MAGIC + payload, hashlib.sha256).digest() + payload


def test_a_signed_file_of_the_wrong_shape_gives_no_entries():
    """Even a correctly signed file that is not marshal data, or not (base, dict), is ignored."""
    assert unseal(_signed(b"\xff\x00garbage"), KEY, BASE) == {}
    assert unseal(_signed(marshal.dumps([BASE, {}, 1])), KEY, BASE) == {}
    assert unseal(_signed(marshal.dumps((BASE, ["not", "a", "dict"]))), KEY, BASE) == {}


def test_a_signed_entry_of_the_wrong_shape_is_a_miss(tmp_path: Path):
    """An entry that does not have the expected fields is a miss, not an error."""
    raw = b"key: a\n"
    entries: dict[str, Any] = {
        "short.yaml": (hashlib.sha256(raw).digest(), {}),
        "fields.yaml": (hashlib.sha256(raw).digest(), {}, (), (("only", "three", 1),), ()),
        "diag.yaml": (hashlib.sha256(raw).digest(), {}, (), (), (("f", 1),)),
    }
    cache = cache_mod.SpecCache(tmp_path / "c", tmp_path, KEY, BASE, False, entries)
    assert all(cache.lookup(rel, hashlib.sha256(raw).digest()) is None for rel in entries)
    assert cache.new == {}


def test_file_digest_reads_regular_files_only(tmp_path: Path):
    """A regular file's SHA-256; a folder, a FIFO, a last-part link or a missing file: None."""
    data = tmp_path / "a.csv"
    data.write_bytes(b"id,to_number\n" * 100_000)
    assert cache_mod._file_digest(str(data)) == hashlib.sha256(data.read_bytes()).digest()
    (tmp_path / "link.csv").symlink_to(data)
    os.mkfifo(tmp_path / "fifo.csv")
    for name in ("link.csv", "fifo.csv", "missing.csv", "."):
        assert cache_mod._file_digest(str(tmp_path / name)) is None


def _load(root: Path, environ: Mapping[str, str]) -> LoadResult:
    project = load_project(project_dir=root)
    variables = resolve_variables(project, "dev", os_environ={})
    with spec_cache_enabled():
        return load_campaigns(project, "dev", variables, os_environ=environ)


def _hits(result: LoadResult) -> set[str]:
    return {c.key for c in result.campaigns if not c.has_body}


def test_a_version_1_cache_is_replaced(tmp_path: Path):
    """A cache of the JSON format of version 1 is ignored once, then rewritten in this one."""
    root = make_project(
        tmp_path / "p",
        {
            "campaigns/inline.yaml": GOOD_SPEC,
            "campaigns/csv.yaml": CSV_SPEC,
            "audiences/a.csv": GOOD_CSV,
        },
    )
    (root / ".reconciler").mkdir()
    (root / ".reconciler/dev.sqlite").write_bytes(b"")
    environ = {"RECONCILER_CACHE_DIR": str(tmp_path / "keys")}
    old = {"format": "reconciler-speccache/1", "files": {"campaigns/inline.yaml": {}}}
    (root / CACHE_FILE).write_text(json.dumps(old), encoding="utf-8")
    assert _hits(_load(root, environ)) == set()
    assert (root / CACHE_FILE).read_bytes().startswith(MAGIC)
    assert _hits(_load(root, environ)) == {"promo", "csv"}


def test_a_csv_replaced_by_a_link_is_a_miss(tmp_path: Path):
    """A cached CSV audience that became a link (even to the same bytes) is loaded in full."""
    root, environ = _csv_project_cached(tmp_path)
    (root / "audiences/real.csv").write_text(GOOD_CSV, encoding="utf-8")
    (root / "audiences/a.csv").unlink()
    (root / "audiences/a.csv").symlink_to(root / "audiences/real.csv")
    assert _hits(_load(root, environ)) == set()


def test_plain_digest_refuses_links_and_odd_paths(tmp_path: Path):
    """Only a plain path under the root is hashed; each folder is checked once per run."""
    (tmp_path / "real").mkdir()
    (tmp_path / "real/a.csv").write_bytes(b"id,to_number\n")
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    root = os.path.realpath(tmp_path)
    checked: set[str] = set()
    expected = hashlib.sha256(b"id,to_number\n").digest()
    assert cache_mod._plain_digest(root, "real/a.csv", checked) == expected
    assert checked == {os.path.join(root, "real")}
    for rel in (
        "linked/a.csv",
        "real/../real/a.csv",
        "real//a.csv",
        "./real/a.csv",
        "/etc/hostname",
    ):
        assert cache_mod._plain_digest(root, rel, set()) is None, rel
    assert cache_mod._plain_digest(root, "real\\a.csv", set()) is None
    assert cache_mod._plain_digest(root, "real/missing.csv", set()) is None


def test_an_audience_folder_replaced_by_a_link_is_a_miss(tmp_path: Path):
    """The CSV's folder becoming a link to a copy (same bytes) makes the entry miss."""
    root, environ = _csv_project_cached(tmp_path)
    (root / "audiences").rename(root / "copy")
    (root / "audiences").symlink_to(root / "copy")
    assert _hits(_load(root, environ)) == set()


def _csv_project_cached(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A project of one CSV spec with a state, whose spec is in the cache (a hit)."""
    root = make_project(
        tmp_path / "p", {"campaigns/csv.yaml": CSV_SPEC, "audiences/a.csv": GOOD_CSV}
    )
    (root / ".reconciler").mkdir()
    (root / ".reconciler/dev.sqlite").write_bytes(b"")
    environ = {"RECONCILER_CACHE_DIR": str(tmp_path / "keys")}
    _load(root, environ)
    assert _hits(_load(root, environ)) == {"csv"}
    return root, environ
