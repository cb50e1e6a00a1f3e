"""A small project with dev (sandbox) and prod (promoted from dev), and a state writer."""

from __future__ import annotations

from pathlib import Path

from reconciler.config import load_project
from reconciler.specs.loader import load_campaigns, resolve_variables
from reconciler.state import open_store
from reconciler.state.base import Attempt, AttemptStatus, RecordedCampaign
from tests.specs.helpers import PROJECT_YAML as SPECS_PROJECT_YAML
from tests.support.factories import CREATED_AT
from tests.support.tree import build_tree

# The spec tests' project (dev on the sandbox) with a prod that promotes from dev.
PROJECT_YAML = (
    SPECS_PROJECT_YAML
    + """\
  prod:
    api_url: https://contactswing.example.invalid
    require_state: true
    promote_from: dev
    max_creates: 5
    vars: {workspace_id: ws-prod, assistant_id: 12, from_numbers: ["+919800000001"]}
"""
)

SPEC = """\
key: {key}
name: {key} campaign
workspace_id: "{{{{ vars.workspace_id }}}}"
touchpoint:
  name: {key}-wa
  type: WHATSAPP
  status: scheduled
  start_at: "{start}"
  assistant_id: "{{{{ vars.assistant_id }}}}"
  additional_settings:
    execution_days: [mon, tue]
    start_hour: 10
    end_hour: 19
    delay: 2
    time_zone: Asia/Kolkata
    from_numbers: "{{{{ vars.from_numbers }}}}"
  customer_details:
    - {{id: c1, to_number: "+919812345601"}}
    - {{id: c2, to_number: "+919812345602"}}
  whatsapp_data:
    template: promo_offer
    language_code: "{{{{ vars.language }}}}"
"""
FUTURE = "2035-10-28T10:00:00+05:30"
API_URLS = {"dev": "sandbox", "prod": "https://contactswing.example.invalid"}


def spec(key: str, start: str = FUTURE) -> str:
    return SPEC.format(key=key, start=start)


def make_project(root: Path, keys: tuple[str, ...] = ("promo", "sale"), **extra: str) -> Path:
    """The project with one spec file per key, plus ``extra`` files."""
    files: dict[str, str | bytes] = {"reconciler.yaml": PROJECT_YAML}
    files.update({f"campaigns/{k}.yaml": spec(k) for k in keys})
    files.update({path.replace("__", "/"): text for path, text in extra.items()})
    return build_tree(root, files)


def desired(root: Path, env: str = "dev") -> dict:
    """The project's desired campaigns for ``env``, by key."""
    project = load_project(project_dir=root)
    variables = resolve_variables(project, env, os_environ={})
    result = load_campaigns(project, env, variables, os_environ={})
    assert not result.errors, result.errors
    return {d.key: d for d in result.campaigns}


def write_state(
    root: Path, env: str = "dev", *, created: tuple[str, ...] = (), in_doubt: tuple[str, ...] = ()
) -> None:
    """Record ``created`` keys (as their current specs) and in-doubt attempts in ``env``'s state."""
    specs = desired(root, env)
    store = open_store(f".reconciler/{env}.sqlite", env, root=root, api_url=API_URLS[env])
    try:
        with store.locked("test") as writer:
            writer.bind(API_URLS[env])
            for key in created:
                d = specs[key]
                writer.import_campaign(
                    RecordedCampaign(
                        key,
                        f"cmp-{key}",
                        d.name,
                        d.fingerprint,
                        d.source_fingerprint,
                        d.body,
                        None,
                        "test",
                        CREATED_AT,
                    )
                )
            writer.record_intents(
                [
                    Attempt(
                        0, key, "create", AttemptStatus.PENDING, "f", "s", None, "i", CREATED_AT
                    )
                    for key in in_doubt
                ]
            )
    finally:
        store.close()
