"""What is still checkable around broken fields: which fields count as broken, what is left."""

from __future__ import annotations

from infermod.config.salvage import broken_fields, inherited_breakage, is_fatal, usable, usable_defaults
from infermod.findings import Finding


def error(field, rule="schema", severity="error"):
    return Finding(rule, severity, "m", field=field)


def test_broken_fields_are_cut_to_the_field_of_a_resource():
    findings = [
        error("deployments.bot.endpoints[2].public"),  # an item of a list: the list is broken
        error("deployments.bot.tags[0]", rule="env-unset"),
        error("models.mine.source.extra"),
        error("defaults.tags[1]"),
        error("stack", rule="yaml-value"),
        error("deployments.bot.size", rule="size"),  # a rule's error: the value is usable
        error("deployments.bot.region", severity="warning"),
        error(None),
    ]
    assert broken_fields(findings) == {
        "deployments.bot.endpoints",
        "deployments.bot.tags",
        "models.mine.source",
        "defaults.tags",
        "stack",
    }
    assert "deployments.bot.size" in broken_fields(findings, rules=None)
    assert "deployments.bot.region" not in broken_fields(findings, rules=None)


def test_only_a_whole_section_of_the_wrong_type_is_fatal():
    assert is_fatal([error("deployments")]) and is_fatal([error("defaults", rule="yaml-tag")])
    assert not is_fatal([error("deployments.bot"), error("deployments", rule="size"), error("version")])
    assert not is_fatal([error("models", severity="warning")])


def test_a_resource_keeps_its_good_fields_and_placeholders_stand_in():
    item = {"model": 3, "node_type": "L4", "size": "x", "tags": ["a"]}
    broken = {"deployments.bot.model", "deployments.bot.size", "deployments.other.tags"}
    assert usable("deployments", "bot", item, broken) == {"model": "", "node_type": "L4", "tags": ["a"]}
    assert usable("models", "m", {"source": 1, "type": "chat"}, {"models.m.source"}) == {
        "source": "",
        "type": "chat",
    }
    assert usable("deployments", "bot", item, {"deployments.bot"}) is None
    assert usable("deployments", "bot", ["not", "a", "map"], set()) is None


def test_a_broken_default_breaks_only_the_deployments_that_inherit_it():
    deployments = {"a": {"model": "m"}, "b": {"model": "m", "region": "nl-ams"}, "c": "junk"}
    broken = {"defaults.region", "defaults.node_type"}  # node_type is not inherited
    assert inherited_breakage(deployments, broken) == {"deployments.a.region"}
    assert usable_defaults({"region": 1, "tags": ["t"]}, broken) == {"tags": ["t"]}
    assert usable_defaults(["a list"], set()) == {}
