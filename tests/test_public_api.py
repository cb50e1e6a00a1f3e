"""The package's public names: ``reconciler.__all__`` lists exactly them, each importable
and documented."""

from __future__ import annotations

import importlib.metadata
import types

import reconciler


def _provided_by_the_package(name: str, value: object) -> bool:
    """A public name reconciler itself provides: not an import it uses, not a submodule."""
    if name.startswith("_") or isinstance(value, types.ModuleType):
        return False
    return str(getattr(value, "__module__", "")).split(".")[0] == "reconciler"


def test_all_lists_exactly_the_public_names() -> None:
    """Every public function and class of the package is in ``__all__``, and nothing else
    but ``__version__``; no name twice."""
    public = {n for n, v in vars(reconciler).items() if _provided_by_the_package(n, v)}
    assert sorted(reconciler.__all__) == sorted(public | {"__version__"})
    assert len(set(reconciler.__all__)) == len(reconciler.__all__)


def test_every_listed_name_is_importable() -> None:
    """``from reconciler import *`` binds exactly the listed names, to the package's objects."""
    namespace: dict[str, object] = {}
    exec("from reconciler import *", namespace)  # the statement under test
    namespace.pop("__builtins__")
    assert sorted(namespace) == sorted(reconciler.__all__)
    assert all(namespace[name] is getattr(reconciler, name) for name in namespace)


def test_every_listed_name_is_documented() -> None:
    """Each function and class has a docstring of its own (not a dataclass's generated
    signature); ``__version__`` is the installed distribution's version."""
    for name in reconciler.__all__:
        if name == "__version__":
            continue
        value = getattr(reconciler, name)
        doc = (value.__doc__ or "").strip()
        assert doc and not doc.startswith(f"{value.__name__}("), name
    assert reconciler.__version__ == importlib.metadata.version("campaign-reconciler")
