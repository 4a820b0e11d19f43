"""The apply report: one line per outcome, then totals that count a replacement both ways."""

from __future__ import annotations

from infermod import output
from infermod.apply.outcome import Outcome
from infermod.render.outcomes import render_outcomes


def test_success_counts_deployments_and_imported_models():
    output.set_color(False)
    text = render_outcomes(
        [
            Outcome("model.ft", "model", ("create",), "created", None, "m-1"),
            Outcome("deployment.a", "deployment", ("create",), "created", None, "d-1"),
            Outcome("deployment.b", "deployment", ("delete", "create"), "replaced", None, "d-2"),
            Outcome("deployment.c", "deployment", ("update",), "updated", None, "d-3"),
        ]
    )
    assert text.splitlines() == [
        "",
        "ok model.ft created [m-1]",
        "ok deployment.a created [d-1]",
        "ok deployment.b replaced [d-2]",
        "ok deployment.c updated [d-3]",
        "Apply complete! Deployments: 2 added, 1 changed, 1 destroyed. Models: 1 imported.",
    ]


def test_failure_and_interruption_say_how_many_did_not_complete():
    output.set_color(False)
    failed = [
        Outcome("deployment.a", "deployment", ("create",), "failed", "quota exceeded", "d-1"),
        Outcome("deployment.b", "deployment", ("create",), "created", None, "d-2"),
    ]
    lines = render_outcomes(failed).splitlines()
    assert lines[1] == "!! deployment.a failed [d-1]: quota exceeded"  # what exists is named by its id
    assert (
        lines[-1]
        == "Apply failed! 1 of 2 change(s) did not complete. Deployments: 1 added, 0 changed, 0 destroyed."
    )
    interrupted = [
        Outcome("deployment.a", "deployment", ("create",), "not started", "interrupted before it started")
    ]
    assert render_outcomes(interrupted).splitlines()[-1].startswith("Apply interrupted! 1 of 1")


def test_what_is_still_in_progress_is_counted_apart():
    output.set_color(False)
    lines = render_outcomes(
        [
            Outcome("deployment.a", "deployment", ("create",), "still creating", "deploying", "d-1"),
            Outcome("deployment.b", "deployment", ("create",), "created", None, "d-2"),
        ]
    ).splitlines()
    assert lines[1] == ".. deployment.a still creating [d-1]: deploying"
    assert lines[-1] == (
        "Apply failed! 1 of 2 change(s) did not complete. "
        "Deployments: 1 added, 0 changed, 0 destroyed. 1 still creating."
    )


def test_destroy_names_the_id_of_what_it_destroyed_and_of_what_is_left():
    from infermod.render.outcomes import render_destroy_outcomes

    output.set_color(False)
    text = render_destroy_outcomes(
        [
            Outcome("deployment.a", "deployment", ("delete",), "destroyed", None, "d-1"),
            Outcome("deployment.b", "deployment", ("delete",), "failed", "500 internal error", "d-2"),
        ]
    )
    assert text.splitlines()[1:3] == [
        "ok deployment.a destroyed [d-1]",
        "!! deployment.b failed [d-2]: 500 internal error",
    ]
