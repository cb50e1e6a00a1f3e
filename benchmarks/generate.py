"""Deterministic synthetic reconciler projects for the benchmarks.

``generate_project(root, ProjectShape(...))`` writes a project with N campaigns of R
recipients each: ``reconciler.yaml`` with three environments, one spec file per
campaign under ``campaigns/team-XX/``, and (for CSV audiences) one ``audiences/*.csv``
per campaign. The same shape and seed always give byte-identical files.

Recipients' numbers are real, valid mobile numbers across several regions: each is a
region's own example number (``phonenumbers.example_number_for_type``) with its last
digits varied by a seeded generator, kept only if ``phonenumbers`` says it is valid.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

# Region -> weight: a mostly Indian customer base (the tool's first users) with a
# long international tail, so every benchmark exercises several numbering plans.
REGIONS: dict[str, int] = {
    "IN": 40, "GB": 8, "US": 8, "DE": 6, "BR": 6, "FR": 4, "ES": 4, "MX": 4,
    "ID": 4, "NG": 3, "ZA": 3, "AE": 3, "SG": 2, "AU": 2, "JP": 2, "IT": 1,
}  # fmt: skip
VARIED_DIGITS = 6  # how many trailing digits of an example number are varied
AUDIENCES = ("inline", "csv", "mixed")
POOL_CAP = 200_000  # distinct customers at most; campaigns overlap like real audiences
CAMPAIGNS_PER_DIR = 500


@dataclass(frozen=True)
class ProjectShape:
    """What to generate: ``campaigns`` specs of ``recipients`` each.

    ``audience``: ``inline`` (a ``customer_details`` list in the spec), ``csv``
    (``customer_details_csv``, one file per campaign) or ``mixed`` (every third
    campaign uses a CSV).
    """

    campaigns: int
    recipients: int
    audience: str = "mixed"
    seed: int = 2027

    def uses_csv(self, index: int) -> bool:
        if self.audience == "csv":
            return True
        return self.audience == "mixed" and index % 3 == 2

    @property
    def label(self) -> str:
        return f"n{self.campaigns}-r{self.recipients}-{self.audience}-s{self.seed}"


def _candidates(rng: random.Random) -> Iterator[phonenumbers.PhoneNumber]:
    """Example mobile numbers of weighted regions with their last digits varied."""
    regions = list(REGIONS)
    weights = [REGIONS[r] for r in regions]
    examples: dict[str, phonenumbers.PhoneNumber] = {}
    for region in regions:
        example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
        assert example is not None, region  # every region listed has a mobile example
        examples[region] = example
    while True:
        region = rng.choices(regions, weights)[0]
        example = examples[region]
        national = str(example.national_number)
        head = national[:-VARIED_DIGITS]
        tail = f"{rng.randrange(10**VARIED_DIGITS):0{VARIED_DIGITS}d}"
        yield phonenumbers.PhoneNumber(
            country_code=example.country_code, national_number=int(head + tail)
        )


def phone_pool(size: int, seed: int) -> list[str]:
    """``size`` distinct valid mobile numbers in E.164, the same for the same seed."""
    rng = random.Random(f"phones-{seed}")
    seen: set[str] = set()
    pool: list[str] = []
    for number in _candidates(rng):
        if len(pool) >= size:
            break
        if not phonenumbers.is_valid_number(number):
            continue
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        if e164 not in seen:
            seen.add(e164)
            pool.append(e164)
    return pool


def _pool_cached(size: int, seed: int, cache_dir: Path | None) -> list[str]:
    """The pool, read from ``cache_dir`` when an earlier run wrote it (it is costly)."""
    if cache_dir is None:
        return phone_pool(size, seed)
    path = cache_dir / f"phones-{seed}-{size}.txt"
    if path.exists():
        return path.read_text(encoding="ascii").split()
    pool = phone_pool(size, seed)
    cache_dir.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(pool) + "\n", encoding="ascii")
    return pool


PROJECT_FILE = """\
version: 1
required_version: ">=1.0"
campaigns: campaigns
vars:
  language: en
  greeting: there
environments:
  dev:
    api_url: sandbox
    state: .reconciler/dev.sqlite
    vars: {{workspace_id: ws-dev, assistant_id: 11, from_numbers: ["+919800000001"]}}
  staging:
    api_url: {api_url}
    state: .reconciler/staging.sqlite
    vars: {{workspace_id: ws-staging, assistant_id: 12, from_numbers: ["+919800000002"]}}
  prod:
    api_url: https://prod-contactswing-fastapi-962560522883.us-central1.run.app
    state: .reconciler/prod.sqlite
    max_recipients: 500000
    vars: {{workspace_id: "00123", assistant_id: 13, language: en_US,
           from_numbers: ["+919800000003", "+919800000004"]}}
"""

SPEC_HEAD = """\
# yaml-language-server: $schema=../../schemas/campaign.schema.json
key: {key}
name: "Benchmark campaign {index}"
business_goal: Re-engage customers of segment {segment}
workspace_id: "{{{{ vars.workspace_id }}}}"
touchpoint:
  name: {key}-whatsapp
  type: WHATSAPP
  status: scheduled
  start_at: "2030-{month:02d}-{day:02d}T10:00:00+05:30"
  assistant_id: "{{{{ vars.assistant_id }}}}"
  additional_settings:
    execution_days: [mon, tue, wed, thu, fri]
    start_hour: 10
    end_hour: 19
    delay: 2
    time_zone: Asia/Kolkata
    from_numbers: "{{{{ vars.from_numbers }}}}"
  whatsapp_data:
    template: offer_{segment}
    language_code: "{{{{ vars.language }}}}"
    body_params:
      is_static: true
      params:
        - {{type: text, text: "Hello {{{{ vars.greeting }}}}, {{{{1}}}}"}}
        - {{type: text, text: "{discount}%"}}
"""


def write_project_file(root: Path, api_url: str = "sandbox") -> None:
    """(Re)write ``reconciler.yaml``; ``api_url`` is the staging environment's API."""
    (root / "reconciler.yaml").write_text(PROJECT_FILE.format(api_url=api_url), encoding="utf-8")


def write_catalog(root: Path, templates: int = 500) -> Path:
    """A template catalogue (Meta's export shape) holding every spec's ``offer_<segment>``."""
    body = {"type": "BODY", "text": "Hello {{1}}, take {{2}} off this week."}
    data = [
        {"name": f"offer_{i}", "language": "en", "status": "APPROVED",
         "category": "MARKETING", "components": [body, {"type": "FOOTER", "text": "STOP"}]}
        for i in range(templates)
    ]  # fmt: skip
    path = root / "catalog.json"
    path.write_text(json.dumps({"data": data}, indent=1), encoding="utf-8")
    return path


def write_rate_card(root: Path) -> Path:
    """A rate card with a market for each region's calling code, and ``*`` for the rest."""
    header = "market,calling_codes,currency,marketing,utility,authentication"
    lines = ["# effective: 2025-07-01", header]
    codes = sorted({phonenumbers.country_code_for_region(region) for region in REGIONS})
    lines += [f"Market {code},{code},USD,0.{code:04d},0.0014,0.0014" for code in codes]
    lines.append("Rest of world,*,USD,0.0600,0.0150,0.0300")
    path = root / "rates.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _recipients(pool: Sequence[str], index: int, count: int) -> Iterator[tuple[str, str]]:
    """``count`` distinct (id, number) pairs for campaign ``index``: a window of the pool."""
    start = (index * 7919) % len(pool)
    for offset in range(count):
        slot = (start + offset) % len(pool)
        yield f"cust-{slot:07d}", pool[slot]


def _spec_text(shape: ProjectShape, index: int, pool: Sequence[str]) -> tuple[str, str | None]:
    """The spec file's text and, for a CSV audience, the CSV's text."""
    key = f"bench-{index:06d}"
    text = SPEC_HEAD.format(
        key=key, index=index, segment=index % 97, month=index % 12 + 1, day=index % 28 + 1,
        discount=5 + index % 40,
    )  # fmt: skip
    people = _recipients(pool, index, shape.recipients)
    if shape.uses_csv(index):
        csv = "id,to_number\n" + "".join(f"{cid},{num}\n" for cid, num in people)
        return text + f"  customer_details_csv: audiences/{key}.csv\n", csv
    lines = ["  customer_details:\n"]
    lines += [f'    - id: "{cid}"\n      to_number: "{num}"\n' for cid, num in people]
    return text + "".join(lines), None


def generate_project(root: Path, shape: ProjectShape, cache_dir: Path | None = None) -> Path:
    """Write the project for ``shape`` under ``root`` (created); returns ``root``."""
    if shape.audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")
    pool = _pool_cached(
        max(shape.recipients, min(shape.campaigns * shape.recipients, POOL_CAP)),
        shape.seed,
        cache_dir,
    )
    root.mkdir(parents=True, exist_ok=True)
    write_project_file(root)
    (root / "audiences").mkdir(exist_ok=True)
    for index in range(shape.campaigns):
        folder = root / "campaigns" / f"team-{index // CAMPAIGNS_PER_DIR:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        spec, csv = _spec_text(shape, index, pool)
        (folder / f"bench-{index:06d}.yaml").write_text(spec, encoding="utf-8")
        if csv is not None:
            (root / "audiences" / f"bench-{index:06d}.csv").write_text(csv, encoding="utf-8")
    return root


def tree_digest(root: Path) -> str:
    """SHA-256 over every generated file's path and bytes (to prove determinism)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    """``python benchmarks/generate.py DIR -n N -r R --audience A``: write one project."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("-n", "--campaigns", type=int, default=100)
    parser.add_argument("-r", "--recipients", type=int, default=100)
    parser.add_argument("--audience", choices=AUDIENCES, default="mixed")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args(argv)
    shape = ProjectShape(args.campaigns, args.recipients, args.audience, args.seed)
    generate_project(args.root, shape)
    print(f"{args.root}: {shape.label} digest {tree_digest(args.root)[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
