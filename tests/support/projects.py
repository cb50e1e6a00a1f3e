"""The one builder of project trees: reconciler.yaml, its environments, specs and audiences.

``make_project(root, files)`` writes reconciler.yaml (dev on the sandbox with the variables
the templated spec renders; ``api_url=``/``state=`` move it, ``environments=`` replace it,
e.g. with PROMOTION: dev and prod) and then ``files`` (specs, audiences, a reconciler.yaml
of the test's own). Specs come from ``specs`` (templated, one file per key) or ``one_file``
(plain, each with its own recipient, in one multi-document file).
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support.tree import build_tree

REPO_ROOT = Path(__file__).resolve().parents[2]
# The example project at the repository's root: what `reconciler init` users start from.
EXAMPLE = (
    "reconciler.yaml",
    "campaigns",
    "audiences",
    "templates",
    "environments",
    "whatsapp-templates.json",
    "rates.csv",
)
FUTURE = "2035-10-28T10:00:00+05:30"
PROD_URL = "https://contactswing.example.invalid"


def environment(
    name: str, api_url: str = "sandbox", *, state: str | None = None, **fields: str
) -> str:
    """One environment of reconciler.yaml: ``state`` quoted, other ``fields`` as written."""
    lines = [f"  {name}:", f"    api_url: {api_url}"]
    if state is not None:
        lines.append(f"    state: {json.dumps(state)}")
    lines += [f"    {field}: {value}" for field, value in fields.items()]
    return "\n".join(lines) + "\n"


def project_file(*environments: str) -> str:
    """reconciler.yaml with the shared ``language`` variable and these environments."""
    return "version: 1\nvars: {language: en}\nenvironments:\n" + "".join(environments)


def dev(api_url: str = "sandbox", state: str | None = None) -> str:
    """The dev environment, with the variables the templated spec renders."""
    variables = '{workspace_id: ws-dev, assistant_id: 11, from_numbers: ["+919800000001"]}'
    return environment("dev", api_url, state=state, vars=variables)


DEV = dev()
# prod promotes from dev, needs its state and creates at most five.
PROD = environment(
    "prod",
    PROD_URL,
    require_state="true",
    promote_from="dev",
    max_creates="5",
    vars='{workspace_id: ws-prod, assistant_id: 12, from_numbers: ["+919800000001"]}',
)
PROMOTION = (DEV, PROD)
PROMOTION_FILE = project_file(*PROMOTION)
# Line numbers of this text are pinned by the tests: edit with care.
PROJECT_FILE = project_file(DEV)


def make_project(
    root: Path,
    files: Mapping[str, str | bytes] | None = None,
    *,
    api_url: str = "sandbox",
    state: str | None = None,
    environments: Sequence[str] = (),
) -> Path:
    """A project at ``root`` with ``files`` (reconciler.yaml among them, if they choose).

    Its environments are ``environments``, or else dev on ``api_url`` with its ``state``.
    """
    config = project_file(*(environments or [dev(api_url, state)]))
    tree: dict[str, str | bytes] = {"reconciler.yaml": config}
    tree.update(files or {})
    return build_tree(root, tree)


TEMPLATED_SPEC = """\
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


def spec(key: str, start: str = FUTURE) -> str:
    """A campaign rendered from the environment's variables (see DEV and PROD)."""
    return TEMPLATED_SPEC.format(key=key, start=start)


def specs(*keys: str) -> dict[str, str]:
    """One templated spec file per key: ``campaigns/<key>.yaml``."""
    return {f"campaigns/{key}.yaml": spec(key) for key in keys}


def plain_spec(key: str, index: int) -> str:
    """A campaign named after its key, with no variables and its own recipient."""
    return textwrap.dedent(
        f"""\
        key: {key}
        name: {key}
        type: OUTBOUND
        company_plan_id: plan-1
        business_goal: End-to-end test campaign
        workspace_id: ws-e2e
        touchpoint:
          name: {key}-whatsapp
          type: WHATSAPP
          status: scheduled
          start_at: "2099-10-28T10:00:00+05:30"
          assistant_id: 11
          additional_settings:
            execution_days: [mon, tue, wed, thu, fri]
            start_hour: 10
            end_hour: 19
            delay: 2
            time_zone: Asia/Kolkata
            from_numbers: ["+919800000001"]
          customer_details:
            - {{id: r{index}, to_number: "+9198{index:08d}"}}
          whatsapp_data:
            template: e2e_offer
            language_code: en
        """
    )


def numbered(n: int) -> list[str]:
    """The keys c000, c001, ... of ``n`` campaigns."""
    return [f"c{i:03d}" for i in range(n)]


def one_file(keys: Sequence[str], path: str = "campaigns/all.yaml") -> dict[str, str]:
    """A plain spec per key, all in one multi-document file."""
    return {path: "---\n".join(plain_spec(key, i) for i, key in enumerate(keys))}


def copy_example(root: Path) -> Path:
    """A copy of the repository's example project at ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name in EXAMPLE:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.exists():
            shutil.copy2(source, root / name)
    return root
