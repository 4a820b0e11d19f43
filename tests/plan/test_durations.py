"""The plan states how long its slowest change takes, from the recorded durations."""

from __future__ import annotations

from infermod.plan.durations import slowest
from infermod.plan.model import FieldChange
from tests.rules.test_consequences import _change

PARALLEL = "(the slowest change; changes run in parallel)"


def test_the_slowest_kind_of_change_is_stated_with_its_count():
    create, delete = _change(("create",)), _change(("delete",))
    assert slowest([create, create, delete]) == f"Expected duration: ≈14 min: 2 creations {PARALLEL}"
    assert slowest([delete]) == f"Expected duration: ≈1 min: 1 deletion {PARALLEL}"
    replace = _change(("delete", "create"), [FieldChange("node_type", "L4", "L40S", True, False)])
    assert slowest([create, replace]) == f"Expected duration: ≈15 min: 1 replacement {PARALLEL}"
    assert slowest([_change(("no-op",))]) is None and slowest([]) is None


def test_in_place_changes_say_how_long_they_redeploy():
    rename = _change(("update",), [FieldChange("name", "a", "b", False, False)])
    tags = _change(("update",), [FieldChange("tags", ["a"], ["b"], False, False)])
    size = _change(("update",), [FieldChange("min_size", 1, 2, False, True)])
    assert slowest([rename, tags]) == f"Expected duration: ≈2 min: 2 renames or tag changes {PARALLEL}"
    assert slowest([rename, size, _change(("create",))]) == (
        f"Expected duration: ≈15–30 min: 1 in-place redeploy {PARALLEL}"  # noqa: RUF001 - the en dash is meant
    )
