"""Policy gates on a plan: --deny-destroy, --max-monthly-cost and --fail-on."""

from __future__ import annotations

from infermod.rules.policy import Policy, policy_findings
from tests.test_render import sample_plan


def test_deny_destroy_names_every_deletion_and_replacement():
    findings = policy_findings(sample_plan(), Policy(deny_destroy=True))
    assert [(f.rule_id, f.resource) for f in findings] == [
        ("policy-deny-destroy", "deployment.big"),
        ("policy-deny-destroy", "deployment.old"),
    ]
    assert (
        "replaces deployment.big" in findings[0].message and "deletes deployment.old" in findings[1].message
    )


def test_max_monthly_cost_names_the_largest_resource_only_over_the_limit():
    plan = sample_plan()
    assert plan.monthly_cost().after == 3058.7
    assert policy_findings(plan, Policy(max_monthly_cost=3058.7)) == []
    [finding] = policy_findings(plan, Policy(max_monthly_cost=3000))
    assert finding.rule_id == "policy-max-monthly-cost" and finding.severity == "error"
    assert (
        finding.resource == "deployment.chat" and "3058.70 EUR, over the limit of 3000.00" in finding.message
    )


def test_no_policy_no_findings():
    assert policy_findings(sample_plan(), Policy()) == []


def test_fail_on_warning_is_one_error_naming_each_warning():
    plan = sample_plan()  # one lifecycle-preview warning on deployment.chat
    [finding] = policy_findings(plan, Policy(fail_on="warning"))
    assert finding.rule_id == "policy-fail-on" and finding.severity == "error"
    assert "1 warning(s) refuse this plan: lifecycle-preview (deployment.chat)" in finding.message
    assert policy_findings(plan, Policy(fail_on="error")) == []
    assert policy_findings(plan._replace(findings=()), Policy(fail_on="warning")) == []
