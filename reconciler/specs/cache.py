"""The validation cache: what loading a spec file found, kept so an unchanged file is not
rendered and validated again (docs/performance.md, "Validation cache").

One file per environment beside the state (``<state file>.speccache``; for a database
URL ``.reconciler/<env>.speccache``). An entry per spec file is valid only for the exact
inputs it was computed from: the tool's code, the phonenumbers and tzdata data, the
environment, its variables (together: the file's ``base``), the file's path and bytes,
the bytes of every file it read and the absence of every template it looked for. It
holds summaries, fingerprints and warnings, never a body (bodies hold recipients'
numbers) and never a file with errors.

The file (``reconciler.specs.cache_file``) is signed with a key kept outside the
project, so a cache file that arrives with a pull request, or from another machine, is
never trusted: only results this machine computed itself are used. A missing, corrupt,
foreign or stale cache is ignored. Which commands use it: ``reconciler.specs.cache_session``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.campaign import DesiredCampaign, canonical_json
from reconciler.errors import Diagnostic, Severity, SourceLocation
from reconciler.specs.cache_file import code_digest, machine_key, read_entries, seal
from reconciler.specs.render import resolve_inside
from reconciler.state.paths import beside, sqlite_file

# The order of a campaign summary's fields in an entry (``summary`` has them by name).
CAMPAIGN_FIELDS = (
    "key",
    "previous_keys",
    "fingerprint",
    "source_fingerprint",
    "file",
    "line",
    "source_files",
    "field_lines",
    "name",
    "recipients",
    "start_at",
    "ignore_suppression",
    "environments",
)
CACHE_SUFFIX = ".speccache"


def cache_path(state: str, env: str, root: Path) -> Path:
    """Where environment ``env``'s cache lives, given its ``state`` setting."""
    state_file = sqlite_file(state, root)
    if state_file is None:
        return root / ".reconciler" / f"{env}.speccache"
    return beside(state_file, CACHE_SUFFIX)


def open_cache(
    state: str, env: str, root: Path, salt: Mapping[str, Any], environ: Mapping[str, str]
) -> SpecCache | None:
    """The environment's cache (the caller checked ``cache_requested``), or None without a key."""
    key = machine_key(environ)
    if key is None:
        return None
    path = cache_path(state, env, root)
    # Beside an existing state only: plan must not create folders or files in a project
    # that has no state yet (and without a state every campaign needs its body anyway).
    writable = path.parent.is_dir() and ("://" in state or _state_file(path).exists())
    if not writable:
        # Nothing could be kept, and a cache without its state holds nothing to use:
        # looking up and storing every file would only cost (~10% of a first plan).
        return None
    base = hashlib.sha256(canonical_json({**salt, "code": code_digest()}).encode()).hexdigest()
    return SpecCache(path, root, key, base, writable, read_entries(path, key, base))


def file_digests(reads: Mapping[str, bytes]) -> dict[str, bytes]:
    """What ``SpecCache.store`` keeps of the files a load read: their SHA-256, by path."""
    return {path: hashlib.sha256(raw).digest() for path, raw in reads.items()}


def _state_file(cache: Path) -> Path:
    return cache.with_name(cache.name.removesuffix(CACHE_SUFFIX))


@dataclass
class CachedFile:
    """A verified entry: the campaigns (without bodies) and the warnings of one spec file."""

    campaigns: list[DesiredCampaign]
    diagnostics: list[Diagnostic]


@dataclass
class SpecCache:
    """One environment's cache file, read once; ``save`` writes the entries used this run."""

    path: Path
    root: Path
    key: bytes
    base: str
    writable: bool
    old: Mapping[str, Any]
    new: dict[str, Any] = field(default_factory=dict)
    changed: bool = False
    checked: set[str] = field(default_factory=set)  # folders seen to be no links (this run)
    _real_root: str | None = None

    def lookup(self, rel: str, spec_digest: bytes) -> CachedFile | None:
        """The entry for this spec file if its bytes (their SHA-256: ``spec_digest``) and
        every input it read are unchanged.

        The whole file was HMAC-checked and its ``base`` compared when it was read.
        """
        entry = self.old.get(rel)
        if entry is None:
            return None
        try:
            digest, deps, misses, campaigns, diagnostics = entry
            if digest != spec_digest:
                return None
            if not self._inputs_unchanged(deps, misses):
                return None
            found = CachedFile([_cached_campaign(c) for c in campaigns], _diagnostics(diagnostics))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        self.new[rel] = entry
        return found

    def store(
        self,
        rel: str,
        digests: Mapping[str, bytes],
        misses: Sequence[str],
        campaigns: Sequence[DesiredCampaign],
        diagnostics: Sequence[Diagnostic],
    ) -> None:
        """Remember what a full load of one spec file (without errors) found.

        ``digests``: the SHA-256 (``file_digests``) of the exact bytes of every file the
        load read, the spec file itself (``rel``) included.
        """
        if any(d.is_error or d.excerpt for d in diagnostics) or rel not in digests:
            return  # errors are never cached; excerpts may quote a recipient's number
        self.new[rel] = (
            digests[rel],
            {p: d for p, d in digests.items() if p != rel},
            tuple(sorted(misses)),
            tuple(_summary_row(c) for c in campaigns),
            tuple(_diagnostic_row(d) for d in diagnostics),
        )
        self.changed = True

    def save(self) -> None:
        """Write the entries of this run (atomically, 0600) when anything changed."""
        if not self.writable or not (self.changed or set(self.old) != set(self.new)):
            return
        data = seal(self.key, self.base, self.new)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            tmp.replace(self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _inputs_unchanged(self, deps: Mapping[str, bytes], misses: Sequence[str]) -> bool:
        real_root = os.path.realpath(self.root) if self._real_root is None else self._real_root
        self._real_root = real_root
        for rel, digest in deps.items():
            if _plain_digest(real_root, rel, self.checked) != digest:
                return False
        for name in misses:
            missing = resolve_inside(self.root, name)
            if missing is not None and missing.exists():
                return False
        return True


def _plain_digest(real_root: str, rel: str, checked: set[str]) -> bytes | None:
    """SHA-256 of the regular file ``real_root/rel`` when no part of ``rel`` is a link.

    None for anything else: a link (a file read through one is recorded under the link's
    target, another source file and source fingerprint, so a file that became a link,
    even to the same bytes, must be loaded in full), ``..``, a missing file or an error.
    ``checked``: folders already seen to be no links in this run (the loader's too).
    """
    parts = rel.split("/")
    if "\\" in rel or any(p in ("", ".", "..") for p in parts):
        return None
    folder = real_root
    for part in parts[:-1]:
        folder = os.path.join(folder, part)  # noqa: PTH118 -- str work: once per CSV
        if folder not in checked:
            try:
                if stat.S_ISLNK(os.lstat(folder).st_mode):
                    return None
            except OSError:
                return None
            checked.add(folder)
    return _file_digest(os.path.join(folder, parts[-1]))  # noqa: PTH118


def _file_digest(path: str) -> bytes | None:
    """SHA-256 of a regular file's bytes; None for anything else or on an error.

    One open (refusing a link as the last part, never blocking on a FIFO), fstat, read.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        digest = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
        return digest.digest()
    except OSError:
        return None
    finally:
        os.close(fd)


def _summary_row(c: DesiredCampaign) -> tuple[Any, ...]:
    """What the cache keeps of a campaign, in ``CAMPAIGN_FIELDS`` order: all but its body."""
    return (
        c.key,
        list(c.previous_keys),
        c.fingerprint,
        c.source_fingerprint,
        c.location.file,
        c.location.line,
        list(c.source_files),
        dict(c.field_lines),
        c.name,
        c.recipients,
        c.start_at,
        c.ignore_suppression,
        list(c.environments),
    )


def _cached_campaign(row: Sequence[Any]) -> DesiredCampaign:
    """A campaign from an entry's row: everything planning reads, and no body."""
    entry = dict(zip(CAMPAIGN_FIELDS, row, strict=True))
    return DesiredCampaign(
        key=str(entry["key"]),
        fingerprint=str(entry["fingerprint"]),
        source_fingerprint=str(entry["source_fingerprint"]),
        location=SourceLocation(str(entry["file"]), entry["line"]),
        name=str(entry["name"]),
        recipients=int(entry["recipients"]),
        start_at=str(entry["start_at"]),
        ignore_suppression=bool(entry["ignore_suppression"]),
        previous_keys=tuple(entry["previous_keys"]),
        source_files=tuple(entry["source_files"]),
        field_lines=dict(entry["field_lines"]),
        environments=tuple(entry["environments"]),
    )


def _diagnostic_row(d: Diagnostic) -> tuple[Any, ...]:
    loc = d.location
    return (loc.file, loc.line, loc.column, d.message, d.field, d.hint, d.severity.value)


def _diagnostics(rows: Sequence[Sequence[Any]]) -> list[Diagnostic]:
    found = []
    for file, line, column, message, field_name, hint, severity in rows:
        location = SourceLocation(str(file), line, column)
        found.append(
            Diagnostic(location, str(message), str(field_name), str(hint), Severity(severity))
        )
    return found
