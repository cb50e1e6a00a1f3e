"""The audience policies' inputs, read by the shell: the settings in force, the opt-out
lists (through ``reconciler.specs``) and the recorded bodies, a chunk at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from reconciler.config import PROJECT_FILE, Environment, Project
from reconciler.errors import SourceLocation
from reconciler.plan import Plan
from reconciler.policies import PolicyInputs, PolicySettings, SuppressionList, with_policies
from reconciler.specs.suppression_list import read_lists
from reconciler.state import read_bodies
from reconciler.state.base import RecordedCampaign, StateSnapshot

# Reads the records given with their bodies (a StateReader's or StateWriter's ``bodies``).
BodyReader = Callable[[Sequence[RecordedCampaign]], Mapping[str, RecordedCampaign]]
CHUNK = 500  # recorded bodies decoded at a time: only their audiences are kept


@dataclass(frozen=True)
class PolicyContext:
    """An environment's policies and the lists they read, loaded once per command."""

    settings: PolicySettings
    lists: tuple[SuppressionList, ...] = ()

    def check(self, plan: Plan, snapshot: StateSnapshot, bodies: BodyReader) -> Plan:
        """``plan`` with the policies' findings, counting what ``snapshot`` records."""
        if not self.settings.any:
            return plan
        inputs = PolicyInputs(self.settings, self.lists, lambda: recorded(snapshot, bodies))
        return with_policies(plan, inputs)


def policy_context(project: Project, env: str) -> PolicyContext:
    """The policies in force for ``env`` and its opt-out lists, read (ValidationFailed)."""
    project.settings(env)  # ConfigError when unknown
    settings = PolicySettings.of(project.file, env)
    if not (suppression := project.in_force(env, "suppression")):
        return PolicyContext(settings)
    where = SourceLocation(PROJECT_FILE, project.line_of(*suppression[0]))
    return PolicyContext(settings, tuple(read_lists(project.root, settings.suppression, where)))


def recorded(
    snapshot: StateSnapshot, bodies: BodyReader
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(key, body) of every campaign created, then of every one in doubt (as if sent)."""
    records = list(snapshot.campaigns.values())
    for start in range(0, len(records), CHUNK):
        chunk = records[start : start + CHUNK]
        loaded = bodies(chunk)
        for record in chunk:
            yield record.key, loaded[record.key].loaded_body()
    for key, attempt in snapshot.in_doubt.items():
        if key not in snapshot.campaigns and attempt.body is not None:
            yield key, attempt.body


def recorded_bodies(
    env: Environment, records: Sequence[RecordedCampaign]
) -> Mapping[str, RecordedCampaign]:
    """``records`` with their bodies, read from ``env``'s state (read-only)."""
    return read_bodies(env.state, env.name, records, root=env.root, api_url=env.api_url)


class _Bodies(Protocol):
    def bodies(self, keys: Iterable[str]) -> dict[str, RecordedCampaign]: ...


def store_bodies(reader: _Bodies) -> BodyReader:
    """A reader's or writer's ``bodies``, taking records."""
    return lambda records: reader.bodies([r.key for r in records])
