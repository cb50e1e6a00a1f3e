"""Post a plan as merge request notes on GitLab, updated in place (``.gitlab-ci.yml``).

    python -m reconciler.ci.gitlab_note --env ENV --rc RC PLAN_FILE STDERR_FILE

Each environment's plan is one set of notes keyed by the hidden marker line that begins
each part of a markdown plan (``reconciler.ci.comment_set``); a later pipeline updates
them and deletes parts left over from a longer plan. Only notes written by the token's
own user count.
Reads CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID and RECONCILER_GITLAB_TOKEN
(a project access token with the ``api`` scope); the token is never printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from reconciler.ci.comment_set import Note, Op, pages, plan_parts, post
from reconciler.runtime import Runtime


class GitLab:
    """The few merge request note calls, on httpx."""

    def __init__(self, client: httpx.Client, project: str, mr_iid: str) -> None:
        self.client = client
        self.base = f"/projects/{project}/merge_requests/{mr_iid}/notes"

    def own_notes(self) -> list[Note]:
        me = self._json("GET", "/user")["id"]
        notes = pages(lambda params: self._json("GET", self.base, params=params))
        return [Note(n["id"], n["body"]) for n in notes if n["author"]["id"] == me]

    def apply(self, op: Op) -> None:
        if op.kind == "create":
            self._json("POST", self.base, json={"body": op.body})
        elif op.kind == "update":
            self._json("PUT", f"{self.base}/{op.note_id}", json={"body": op.body})
        else:
            self.client.request("DELETE", f"{self.base}/{op.note_id}").raise_for_status()

    def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.client.request(method, url, **kwargs)
        response.raise_for_status()
        return response.json()


def main(
    argv: Sequence[str] | None = None,
    transport: httpx.BaseTransport | None = None,
    runtime: Runtime | None = None,
) -> int:
    """Post or update the notes; exit 0 when done, 1 on a problem (said on stderr).

    ``runtime`` (default: this process's) gives the CI variables, read once here.
    """
    environ = (Runtime.from_process() if runtime is None else runtime).environ
    parser = argparse.ArgumentParser(prog="python -m reconciler.ci.gitlab_note")
    parser.add_argument("--env", required=True)
    parser.add_argument("--rc", type=int, required=True)
    parser.add_argument("plan_file", type=Path)
    parser.add_argument("stderr_file", type=Path)
    args = parser.parse_args(argv)
    try:
        names = ["CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID"]
        names.append("RECONCILER_GITLAB_TOKEN")
        api_url, project, mr_iid, token = (environ[name] for name in names)
    except KeyError as exc:
        print(f"gitlab_note: {exc.args[0]} is not set", file=sys.stderr)
        return 1
    parts = plan_parts(
        args.plan_file.read_text(encoding="utf-8"),
        args.rc,
        args.stderr_file.read_text(encoding="utf-8"),
        args.env,
    )
    headers = {"PRIVATE-TOKEN": token}
    with httpx.Client(base_url=api_url, headers=headers, transport=transport, timeout=30) as c:
        return post(GitLab(c, project, mr_iid), parts, args.env, "gitlab_note: GitLab")


if __name__ == "__main__":
    sys.exit(main())
