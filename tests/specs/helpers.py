"""A valid spec and ways to break it, and loading a project in process, for the spec tests."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from reconciler.config import load_project
from reconciler.specs.loader import LoadResult, load_campaigns, resolve_variables

# Line numbers of this text are pinned by the tests: edit with care.
GOOD_SPEC = """\
key: promo
name: Promo
workspace_id: "{{ vars.workspace_id }}"
touchpoint:
  name: promo-wa
  type: WHATSAPP
  status: scheduled
  start_at: "2027-10-28T10:00:00+05:30"
  assistant_id: "{{ vars.assistant_id }}"
  additional_settings:
    execution_days: [mon, tue]
    start_hour: 10
    end_hour: 19
    delay: 2
    time_zone: Asia/Kolkata
    from_numbers: "{{ vars.from_numbers }}"
  customer_details:
    - {id: c1, to_number: "+919812345601"}
    - {id: c2, to_number: "+919812345602"}
  whatsapp_data:
    template: promo_offer
    language_code: "{{ vars.language }}"
"""

GOOD_CSV = "id,to_number\nc1,+919812345601\nc2,+919812345602\n"


def spec_with(old: str, new: str, base: str = GOOD_SPEC) -> str:
    """GOOD_SPEC with one exact fragment replaced (it must be there)."""
    assert old in base, old
    return base.replace(old, new, 1)


def load(root: Path, env: str = "dev", **kwargs: object) -> LoadResult:
    """Load every campaign of the project at ``root`` in process."""
    project = load_project(project_dir=root)
    variables = resolve_variables(project, env, os_environ={}, **kwargs)  # type: ignore[arg-type]
    return load_campaigns(project, env, variables, os_environ={})


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` with a hash of its bytes, to prove nothing was written."""
    result = {}
    for folder, dirs, names in os.walk(root):
        for name in dirs + names:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink() or path.is_dir():
                result[rel] = "link" if path.is_symlink() else "dir"
            else:
                result[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


Setup = Callable[[Path, Path], None]
