"""One environment's plan as a set of PR (or MR) comments, kept in place across pushes.

The bodies to post (``plan_parts``) and the calls that turn the comments already there
into them (``sync_ops``), pure; ``post`` makes those calls on a ``Thread``. Each part
begins with the hidden marker line of a markdown plan
(``<!-- reconciler-plan: env=ENV part=N/M -->``, see ``reconciler.output.markdown``).
Used by ``github_comment`` (the GitHub Action) and ``gitlab_note`` (the GitLab pipeline).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple, Protocol

import httpx

from reconciler.output.markdown import COMMENT_LIMIT, MARKER_PREFIX, split_markdown_parts

MARKER = re.compile(r"^<!-- reconciler-plan: env=(\S+) part=(\d+)/(\d+) -->")
PLAN_OK = (0, 2, 3)  # nothing to do, creates or moves pending, a person must act


class Note(NamedTuple):
    """A comment already on the pull request, written by us."""

    id: int
    body: str


class Op(NamedTuple):
    """One API call to make: ``create`` (no id), ``update`` or ``delete`` (comment id)."""

    kind: str
    note_id: int | None = None
    body: str = ""


class Thread(Protocol):
    """A pull request's comments (or a merge request's notes) through the forge's API."""

    def own_notes(self) -> list[Note]: ...

    def apply(self, op: Op) -> None: ...


def pages(get: Callable[[dict[str, int]], Any]) -> Iterator[Any]:
    """Every item of a paged list, ``get(params)`` giving the page those query params ask for."""
    page = 1
    while True:
        batch = get({"per_page": 100, "page": page})
        yield from batch
        if len(batch) < 100:
            return
        page += 1


def post(thread: Thread, parts: Sequence[str], env: str, forge: str) -> int:
    """Bring ``thread`` in line with ``parts``: 0, or 1 when an API call failed (said on
    stderr after ``forge``, e.g. ``gitlab_note: GitLab``)."""
    try:
        for op in sync_ops(thread.own_notes(), parts, env):
            thread.apply(op)
    except httpx.HTTPError as exc:
        # The message names the URL and status only; headers (the token) are not shown.
        print(f"{forge} API call failed: {exc}", file=sys.stderr)
        return 1
    return 0


def marker(env: str, part: int, total: int) -> str:
    """The hidden first line that identifies a part of an environment's plan."""
    return f"{MARKER_PREFIX} env={env} part={part}/{total} -->"


def failure_text(title: str, rc: int, stderr_text: str) -> str:
    """A heading saying what failed and the error output in a fence that outgrows it."""
    fence = "`" * max([3, *(len(m) + 1 for m in re.findall(r"`+", stderr_text))])
    return (
        f"### {title} failed (exit status {rc})\n\n"
        f"{fence}text\n{stderr_text[: COMMENT_LIMIT - 1000]}\n{fence}"
    )


def plan_parts(plan_text: str, rc: int, stderr_text: str, env: str) -> list[str]:
    """The bodies to post: the plan's parts, or the error when the plan failed."""
    if rc not in PLAN_OK:
        return [f"{marker(env, 1, 1)}\n{failure_text(f'Plan for `{env}`', rc, stderr_text)}"]
    parts = [p for p in (p.strip() for p in split_markdown_parts(plan_text)) if p]
    total = len(parts)
    parts = [
        p if MARKER.match(p) else f"{marker(env, i, total)}\n{p}" for i, p in enumerate(parts, 1)
    ]
    parts = parts or [f"{marker(env, 1, 1)}\n### Plan for `{env}`\n\nThe plan printed nothing."]
    cut = "\n\n… (cut: see the job summary)"
    return [p if len(p) <= COMMENT_LIMIT else p[: COMMENT_LIMIT - 200] + cut for p in parts]


def sync_ops(existing: Sequence[Note], parts: Sequence[str], env: str) -> list[Op]:
    """Calls that make the environment's comments equal ``parts`` (each begins with its marker)."""
    previous: dict[int, Note] = {}
    for note in existing:
        found = MARKER.match(note.body)
        if found and found.group(1) == env:
            previous.setdefault(int(found.group(2)), note)
    ops: list[Op] = []
    for number, body in enumerate(parts, start=1):
        old = previous.get(number)
        if old is None:
            ops.append(Op("create", body=body))
        elif old.body != body:
            ops.append(Op("update", old.id, body))
    ops += [Op("delete", note.id) for n, note in sorted(previous.items()) if n > len(parts)]
    return ops
