"""A rule is skipped only where a field it reads is broken, and every rule says what it reads."""

from __future__ import annotations

import pytest

from infermod.findings import Finding
from infermod.rules.depends import DEPENDS, without_dependent


def found(rule, resource="deployment.bot"):
    return Finding(rule, "error", "m", resource)


def test_nothing_broken_keeps_everything():
    findings = [found("model-vram"), found("size")]
    assert without_dependent(iter(findings), set()) == findings


@pytest.mark.parametrize(
    ("broken", "kept"),
    [
        ({"deployments.bot.quantization"}, ["model-unknown", "size", "model-unused", "secret-literal"]),
        ({"deployments.bot.node_type"}, ["model-unknown", "size", "model-unused", "secret-literal"]),
        ({"deployments.bot.model"}, ["size", "model-unused", "secret-literal"]),
        ({"deployments.bot.tags"}, ["model-unknown", "model-vram", "size", "model-unused", "secret-literal"]),
        (
            {"deployments.other.model"},
            ["model-unknown", "model-vram", "size", "model-unused", "secret-literal"],
        ),
        # an error on the deployment as a whole (a duplicate name) is no field a listed rule reads
        ({"deployments.bot"}, ["model-unknown", "model-vram", "size", "model-unused", "secret-literal"]),
    ],
)
def test_only_the_rules_reading_a_broken_field_are_dropped(broken, kept):
    findings = [
        found("model-unknown"),
        found("model-vram"),
        found("size"),
        found("model-unused"),
        Finding("secret-literal", "error", "m"),
    ]
    got = without_dependent(findings, broken)
    assert [f.rule_id for f in got] == kept


def test_a_rule_not_in_the_table_reads_every_field_of_its_own_resource():
    assert "brand-new-rule" not in DEPENDS
    findings = [found("brand-new-rule"), found("brand-new-rule", "model.mine")]
    assert without_dependent(findings, {"deployments.bot.tags"}) == findings[1:]
    assert without_dependent(findings, {"models.mine.type"}) == findings[:1]
    # a key that only starts like another is a different resource
    assert without_dependent(findings, {"deployments.bot2.tags", "models.mine2"}) == findings
