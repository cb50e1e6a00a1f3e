"""The validation cache: what loading a spec file found, kept so an unchanged file is not
rendered and validated again (docs/performance.md, "Validation cache").

One JSON file per environment beside the state (``<state file>.speccache``; for a
database URL ``.reconciler/<env>.speccache``). An entry per spec file is valid only for
the exact inputs it was computed from: the tool's code, the phonenumbers and tzdata data,
the environment, its variables, the file's path and bytes, the bytes of every file it
read and the absence of every template it looked for. It holds summaries, fingerprints
and warnings, never a body (bodies hold recipients' numbers) and never a file with errors.
Each entry carries an HMAC under a key kept outside the project, so a cache file that
arrives with a pull request, or from another machine, is never trusted: only results this
machine computed itself are used. A missing, corrupt or foreign cache is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.metadata
import importlib.util
import json
import os
import secrets
import stat
import sys
import zoneinfo
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.campaign import DesiredCampaign, canonical_json
from reconciler.errors import Diagnostic, Severity, SourceLocation
from reconciler.specs.render import resolve_inside, resolve_inside_text

FORMAT = "reconciler-speccache/1"
NO_CACHE_ENV = "RECONCILER_NO_CACHE"
CACHE_DIR_ENV = "RECONCILER_CACHE_DIR"
_ENABLED: ContextVar[bool] = ContextVar("reconciler_spec_cache", default=False)


@contextlib.contextmanager
def spec_cache_enabled() -> Iterator[None]:
    """Let ``load_campaigns`` use the cache of the environment it loads (the CLI commands do)."""
    token = _ENABLED.set(True)
    try:
        yield
    finally:
        _ENABLED.reset(token)


def cache_requested(environ: Mapping[str, str]) -> bool:
    """Whether this load should use a cache (enabled by the caller, not disabled by env)."""
    return _ENABLED.get() and environ.get(NO_CACHE_ENV, "") in ("", "0")


def cache_path(state: str, env: str, root: Path) -> Path:
    """Where environment ``env``'s cache lives, given its ``state`` setting."""
    state = state.strip()
    if "://" in state:
        return root / ".reconciler" / f"{env}.speccache"
    path = Path(state).expanduser()
    path = path if path.is_absolute() else root / path
    return path.with_name(path.name + ".speccache")


def open_cache(
    state: str, env: str, root: Path, salt: Mapping[str, Any], environ: Mapping[str, str]
) -> SpecCache | None:
    """The environment's cache, or None when disabled or without a usable key."""
    if not cache_requested(environ):
        return None
    key = _mac_key(environ)
    if key is None:
        return None
    path = cache_path(state, env, root)
    # Beside an existing state only: plan must not create folders or files in a project
    # that has no state yet (and without a state every campaign needs its body anyway).
    writable = path.parent.is_dir() and ("://" in state or _state_file(path).exists())
    base = hashlib.sha256(canonical_json({**salt, "code": _code_digest()}).encode()).hexdigest()
    return SpecCache(path, root, key, base, writable, _read(path))


def _state_file(cache: Path) -> Path:
    return cache.with_name(cache.name.removesuffix(".speccache"))


@dataclass
class CachedFile:
    """A verified entry: the campaigns (without bodies) and the warnings of one spec file."""

    campaigns: list[dict[str, Any]]
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

    def file_id(self, rel: str, raw: bytes) -> str:
        """The entry's identity: every input but the files it read (checked on lookup)."""
        digest = hashlib.sha256(f"{self.base}\0{rel}\0".encode())
        digest.update(hashlib.sha256(raw).digest())
        return digest.hexdigest()

    def lookup(self, rel: str, raw: bytes) -> CachedFile | None:
        """The entry for this spec file if it is ours and every input is unchanged."""
        entry = self.old.get(rel)
        if not isinstance(entry, dict) or entry.get("id") != self.file_id(rel, raw):
            return None
        unsigned = {k: v for k, v in entry.items() if k != "mac"}
        mac = entry.get("mac")
        if not isinstance(mac, str) or not hmac.compare_digest(mac, self._mac(unsigned)):
            return None
        try:
            if not self._inputs_unchanged(entry["deps"], entry["misses"]):
                return None
            found = CachedFile(list(entry["campaigns"]), _diagnostics(entry["diagnostics"]))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        self.new[rel] = entry
        return found

    def store(
        self,
        rel: str,
        raw: bytes,
        reads: Mapping[str, bytes],
        misses: Sequence[str],
        campaigns: Sequence[DesiredCampaign],
        diagnostics: Sequence[Diagnostic],
    ) -> None:
        """Remember what a full load of one spec file (without errors) found."""
        if any(d.is_error or d.excerpt for d in diagnostics):
            return  # errors are never cached; excerpts may quote a recipient's number
        entry: dict[str, Any] = {
            "id": self.file_id(rel, raw),
            "deps": {p: hashlib.sha256(b).hexdigest() for p, b in reads.items() if p != rel},
            "misses": sorted(misses),
            "campaigns": [summary(c) for c in campaigns],
            "diagnostics": [_diagnostic_json(d) for d in diagnostics],
        }
        entry["mac"] = self._mac(entry)
        self.new[rel] = entry
        self.changed = True

    def save(self) -> None:
        """Write the entries of this run (atomically, 0600) when anything changed."""
        if not self.writable or not (self.changed or set(self.old) != set(self.new)):
            return
        data = json.dumps({"format": FORMAT, "files": self.new}, sort_keys=True).encode()
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            tmp.replace(self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _mac(self, unsigned: Mapping[str, Any]) -> str:
        return hmac.new(self.key, canonical_json(unsigned).encode(), hashlib.sha256).hexdigest()

    def _inputs_unchanged(self, deps: Mapping[str, str], misses: Sequence[str]) -> bool:
        for rel, digest in deps.items():
            path = resolve_inside_text(self.root, rel, self.checked)
            if path is None or _file_digest(path) != digest:
                return False
        for name in misses:
            missing = resolve_inside(self.root, name)
            if missing is not None and missing.exists():
                return False
        return True


def _file_digest(path: str) -> str | None:
    """SHA-256 (hex) of a regular file's bytes; None for anything else or on an error."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # noqa: PTH116 -- never open a FIFO
            return None
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def summary(campaign: DesiredCampaign) -> dict[str, Any]:
    """What the cache keeps of a campaign: everything but its body."""
    return {
        "key": campaign.key,
        "previous_keys": list(campaign.previous_keys),
        "fingerprint": campaign.fingerprint,
        "source_fingerprint": campaign.source_fingerprint,
        "file": campaign.location.file,
        "line": campaign.location.line,
        "source_files": list(campaign.source_files),
        "field_lines": dict(campaign.field_lines),
        "name": campaign.name,
        "recipients": campaign.recipients,
        "start_at": campaign.start_at,
        "ignore_suppression": campaign.ignore_suppression,
    }


def _diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    loc = d.location
    return {
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "message": d.message,
        "field": d.field,
        "hint": d.hint,
        "severity": d.severity.value,
    }


def _diagnostics(items: Sequence[Mapping[str, Any]]) -> list[Diagnostic]:
    return [
        Diagnostic(
            SourceLocation(str(i["file"]), i["line"], i["column"]),
            str(i["message"]),
            str(i["field"]),
            str(i["hint"]),
            Severity(i["severity"]),
        )
        for i in items
    ]


def _read(path: Path) -> Mapping[str, Any]:
    """The cache's entries; empty when missing, unreadable or not ours."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def _mac_key(environ: Mapping[str, str]) -> bytes | None:
    """This machine's key (created 0600 on first use), outside any project."""
    override = environ.get(CACHE_DIR_ENV)
    xdg = environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path("~/.cache").expanduser()
    path = (Path(override) if override else base / "reconciler") / "cache.key"
    try:
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_hex(32))
        key = path.read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return None
    return key.encode() if len(key) == 64 else None


def _code_digest() -> str:
    """The tool's own code and the data validation depends on (phonenumbers, tzdata).

    A hash of the source rather than the version number: an editable install changes
    without a new version.
    """
    digest = hashlib.sha256(sys.version.encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for module in ("phonenumbers", "tzdata"):
        spec = importlib.util.find_spec(module)
        origin = spec.origin if spec is not None else None
        # Each package's __init__ names its version (phonenumbers) or the IANA release.
        digest.update(Path(origin).read_bytes() if origin else module.encode())
    # Libraries that parse, render and validate: an upgrade in place may change results.
    for dist in ("jinja2", "pydantic", "pydantic-core", "pyyaml", "phonenumbers", "tzdata"):
        try:
            digest.update(f"{dist}={importlib.metadata.version(dist)}\0".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{dist}=?\0".encode())
    # zoneinfo reads the system's zone files before the tzdata package.
    digest.update(repr(zoneinfo.TZPATH).encode())
    return digest.hexdigest()
