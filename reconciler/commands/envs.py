"""``reconciler envs``: each environment's resolved settings, as data; never a secret.

The token is reported by the name of its variable and whether that is set; a state URL
with a password has it masked (``StateLocation.display``). Reads no state, sends nothing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from typing import Any

from reconciler.config import Project
from reconciler.errors import ConfigError
from reconciler.policies.resolved import PolicySettings
from reconciler.state.location import resolve_location

FORMAT_VERSION = 1


def describe_envs(
    project: Project, env: str | None, *, os_environ: Mapping[str, str]
) -> dict[str, Any]:
    """The resolved settings of ``env`` (default: every environment), by name."""
    if env is not None and env not in project.env_names:
        raise ConfigError(
            f"no environment {env!r} in reconciler.yaml",
            hint=f"environments here: {', '.join(project.env_names)}",
        )
    names = [env] if env is not None else project.env_names
    described = [describe(project, name, os_environ) for name in names]
    return {"format_version": FORMAT_VERSION, "environments": described}


class _KeepUnset(Mapping[str, str]):
    """``environ``, where an unset variable stays written as ``${NAME}``.

    ``envs`` shows what is unset instead of refusing: in a shell the CI's secrets are
    usually not there.
    """

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def __contains__(self, name: object) -> bool:
        return True

    def __getitem__(self, name: str) -> str:
        return self._environ.get(name, "${" + name + "}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)


_VAR_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def describe(project: Project, name: str, os_environ: Mapping[str, str]) -> dict[str, Any]:
    """One environment: where it sends and records, its guards; the token only by name."""
    env = project.environment(name, _KeepUnset(os_environ))
    # The promote_from environment's settings are expanded by this one's plan and apply too.
    needed = [name] + ([env.promote_from] if env.promote_from in project.env_names else [])
    unset = sorted({v for n in needed for v in _references(project, n)} - set(os_environ))
    state, backend = env.state, None
    if not _VAR_REF.search(env.state):
        location = resolve_location(env.state, env.name, root=env.root)
        state, backend = location.display, location.url.get_backend_name()
    return {
        "name": env.name,
        "api_url": env.api_url,
        "create_path": env.create_path,
        "phone_format": str(env.phone_format),
        "state": state,
        "state_backend": backend,
        "unset_variables": unset,
        "require_state": env.require_state,
        "token_env": env.token_env,
        "token_set": bool(os_environ.get(env.token_env)),
        "token_needed": not env.is_sandbox,  # the built-in sandbox reads no token
        "promote_from": env.promote_from,
        "catalog": _in_force(project, name, "catalog"),
        "rate_card": _in_force(project, name, "rate_card"),
        "guards": {
            "max_creates": env.max_creates,
            "max_recipients": env.max_recipients,
            "max_cost": None if env.max_cost is None else str(env.max_cost),
            "allow_ignore_suppression": env.allow_ignore_suppression,
        },
        "policies": _policies(PolicySettings.of(project.file, name)),
    }


def _references(project: Project, name: str) -> set[str]:
    """The OS variables named by ``${VAR}`` in environment ``name``'s settings."""
    written = [v for v in dataclasses.asdict(project.settings(name)).values() if isinstance(v, str)]
    return {v for text in written for v in _VAR_REF.findall(text)}


def _in_force(project: Project, env: str, setting: str) -> Any:
    found = project.in_force(env, setting)
    return None if found is None else found[1]


def _policies(policies: PolicySettings) -> dict[str, Any]:
    """The audience policies in force, as plain data (None: not set)."""
    described = dataclasses.asdict(policies)
    described["suppression"] = list(policies.suppression)
    return described


def render_envs_text(described: Mapping[str, Any]) -> str:
    """The environments as aligned ``setting: value`` lines, one block each."""
    blocks = []
    for env in described["environments"]:
        skip = ("name", "guards", "policies", "token_set", "token_needed", "unset_variables")
        flat = {k: v for k, v in env.items() if k not in skip}
        flat["unset"] = ", ".join(env["unset_variables"]) or None
        flat["token_env"] = _token_text(env)
        flat.update(env["guards"])
        flat.update({k: _policy_text(v) for k, v in env["policies"].items()})
        width = max(len(k) for k in flat) + 1
        lines = [f"{env['name']}:"]
        lines += [f"  {k + ':':<{width}} {_shown(v)}" for k, v in flat.items()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _token_text(env: Mapping[str, Any]) -> str:
    """The token's variable and whether it is set; on the sandbox, that none is needed."""
    if not env["token_needed"]:
        return f"{env['token_env']} (not needed: the sandbox reads no token)"
    return f"{env['token_env']} ({'set' if env['token_set'] else 'not set'})"


def _policy_text(value: object) -> object:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(str, value)) or None
    return value


def _shown(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
