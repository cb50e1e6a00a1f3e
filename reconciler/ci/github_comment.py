"""The comment step of the GitHub Action (``action.yml``): the plan on the pull request.

    python -m reconciler.ci.github_comment

Each environment's plan is one set of comments (``reconciler.ci.comment_set``), updated in
place on every push; parts left over from a longer plan are deleted and an unchanged plan
makes no call. Only comments by a bot (the workflow's token) count: a person's comment
that quotes a marker is never touched. Reads what the run step kept
(``github_action.output_dir``), RECONCILER_ACTION_ENV, RECONCILER_ACTION_EXIT_CODE,
RECONCILER_ACTION_PR (the pull request number), RECONCILER_ACTION_REPORT_URL (the report
artifact, optional), GITHUB_API_URL, GITHUB_REPOSITORY and GITHUB_TOKEN (never printed).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import httpx

from reconciler.ci.comment_set import Note, Op, pages, plan_parts, post
from reconciler.ci.github_action import output_dir, readable
from reconciler.runtime import Runtime


class PullRequest:
    """The few issue comment calls of GitHub's REST API, on httpx."""

    def __init__(self, client: httpx.Client, repo: str, number: str) -> None:
        self.client, self.repo, self.number = client, repo, number

    def own_notes(self) -> list[Note]:
        url = f"/repos/{self.repo}/issues/{self.number}/comments"
        comments = pages(
            lambda params: self.client.get(url, params=params).raise_for_status().json()
        )
        bots = (c for c in comments if (c.get("user") or {}).get("type") == "Bot")
        return [Note(c["id"], c.get("body") or "") for c in bots]

    def apply(self, op: Op) -> None:
        one = f"/repos/{self.repo}/issues/comments/{op.note_id}"
        if op.kind == "create":
            url = f"/repos/{self.repo}/issues/{self.number}/comments"
            response = self.client.post(url, json={"body": op.body})
        elif op.kind == "update":
            response = self.client.patch(one, json={"body": op.body})
        else:
            response = self.client.delete(one)
        response.raise_for_status()


def comment_parts(environ: Mapping[str, str]) -> list[str]:
    """The bodies to post: the kept plan (or its error), the report linked from part 1."""
    env, folder = environ["RECONCILER_ACTION_ENV"], output_dir(environ)
    rc = int(environ.get("RECONCILER_ACTION_EXIT_CODE") or 1)
    plan = (folder / "stdout.md").read_text(encoding="utf-8", errors="replace")
    errors = readable((folder / "stderr.txt").read_text(encoding="utf-8", errors="replace"))
    parts = plan_parts(plan, rc, errors, env)
    report = environ.get("RECONCILER_ACTION_REPORT_URL")
    if report:
        parts[0] += f"\n\n[Campaign board and calendar of `{env}`]({report}) (report artifact)"
    return parts


def main(runtime: Runtime | None = None) -> int:
    """Bring the pull request's comments in line with the plan; 1 on a problem (on stderr)."""
    environ = (Runtime.from_process() if runtime is None else runtime).environ
    names = ["RECONCILER_ACTION_ENV", "RECONCILER_ACTION_PR", "GITHUB_REPOSITORY"]
    missing = [n for n in [*names, "GITHUB_TOKEN", "RUNNER_TEMP"] if not environ.get(n)]
    if missing:
        print(f"github_comment: {', '.join(missing)} not set", file=sys.stderr)
        return 1
    parts = comment_parts(environ)
    headers = {
        "Authorization": f"Bearer {environ['GITHUB_TOKEN']}",
        "Accept": "application/vnd.github+json",
    }
    api = environ.get("GITHUB_API_URL", "https://api.github.com")
    with httpx.Client(base_url=api, headers=headers, timeout=30) as client:
        pr = PullRequest(client, environ["GITHUB_REPOSITORY"], environ["RECONCILER_ACTION_PR"])
        return post(pr, parts, environ["RECONCILER_ACTION_ENV"], "github_comment: GitHub")


if __name__ == "__main__":
    sys.exit(main())
