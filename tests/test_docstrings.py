"""Every public object has a numpydoc docstring that validates."""

import inspect

import numpydoc.validate as numpydoc_validate
import pytest

import sparsefuse
from sparsefuse import datasets, fusion

# Not enforced: See Also / Examples / extended summary on every object, and
# RT02, which forbids scikit-learn's convention of naming a single return
# ("self : object").
IGNORED = {"SA01", "EX01", "ES01", "RT02"}


def public_objects():
    for name in sparsefuse.__all__:
        obj = getattr(sparsefuse, name)
        yield f"sparsefuse.{name}"
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and (callable(member) or isinstance(member, property)):
                    if attr != "path":  # the path function, validated on its own
                        yield f"sparsefuse.{name}.{attr}"
    for name in datasets.__all__:
        yield f"sparsefuse.datasets.{name}"
    for name in fusion.__all__:
        yield f"sparsefuse.fusion.{name}"
        for attr, member in vars(getattr(fusion, name)).items():
            if not attr.startswith("_") and callable(member):
                yield f"sparsefuse.fusion.{name}.{attr}"
    yield "sparsefuse.group.check_groups"
    yield "sparsefuse.cli.main"
    yield "sparsefuse.demo.run_demo"


@pytest.mark.parametrize("name", sorted(set(public_objects())))
def test_docstring(name):
    result = numpydoc_validate.validate(name)
    errors = [(code, msg) for code, msg in result["errors"] if code not in IGNORED]
    assert not errors, f"{name}: {errors}"
