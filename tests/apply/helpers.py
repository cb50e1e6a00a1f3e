"""Small factories for executor tests."""

from __future__ import annotations

from reconciler.campaign import fingerprint
from reconciler.executor import CreateTask


def task(key: str, *, recipients: int = 1) -> CreateTask:
    """A create task whose body is named after its key (the fake API identifies calls so)."""
    body = {
        "name": key,
        "touchpoint": {
            "customer_details": [
                {"id": str(i), "to_number": f"+9198000{i:05d}"} for i in range(recipients)
            ]
        },
    }
    fp = fingerprint(body)
    return CreateTask(key, key, body, fp, "src-" + fp[:8], f"idem-{key}")


def tasks(n: int) -> list[CreateTask]:
    """``n`` tasks keyed c000, c001, ..."""
    return [task(f"c{i:03d}") for i in range(n)]
