"""What each change does to users, from plan data alone (no emulator)."""

from __future__ import annotations

from infermod.plan.model import EndpointChange, FieldChange, ResourceChange
from infermod.records import Deployment, Endpoint, Model
from infermod.rules.consequences import with_consequences

URL = "https://d1.ifr.fr-par.scaleway.com"
PUBLIC = Endpoint(True, None, False, url=URL)
PRIVATE = Endpoint(False, "pn-1", False, url="https://d1.ifr.fr-par.internal")
DEP = Deployment("d", "m", "mid", "L4", 1, 1, 8, "fr-par", "p", (), (PUBLIC,), id="d1", status="ready")


def _change(actions, fields=(), endpoints=(), before=DEP, after=DEP, reason=None):
    return with_consequences(
        ResourceChange(
            "deployment.d",
            "deployment",
            "d",
            "fr-par",
            "p",
            actions,
            "d1",
            "ready",
            before,
            after,
            tuple(fields),
            tuple(endpoints),
            action_reason=reason,
        )
    )


def _said(change):
    return [(q.kind, q.severity) for q in change.consequences]


def test_a_replacement_names_the_url_that_stops_and_the_downtime():
    c = _change(("delete", "create"), [FieldChange("node_type", "L4", "L40S", True, False)])
    assert _said(c) == [("url-change", "warning"), ("downtime", "warning")]
    assert URL in c.consequences[0].message
    assert "lifecycle.create_before_destroy" in (c.alternative or "")


def test_a_replacement_because_of_error_says_it_serves_nothing_now_not_downtime():
    for actions in (("delete", "create"), ("create", "delete")):
        c = _change(actions, reason="replace_because_error")
        assert _said(c) == [("url-change", "warning"), ("not-serving", "warning")], actions
        assert "not serving now" in c.consequences[1].message and c.alternative is None
        assert not any("downtime" in q.message or "without service" in q.message for q in c.consequences)


def test_create_before_destroy_for_a_forced_replacement_has_no_alternative():
    c = _change(("create", "delete"), [FieldChange("region", "fr-par", "nl-ams", True, False)])
    assert _said(c) == [("url-change", "warning"), ("no-downtime", "info")] and c.alternative is None


def test_endpoint_removed_added_and_auth_turned_on():
    removed = EndpointChange("delete", PRIVATE.network, "e2", PRIVATE, None)
    added = EndpointChange("create", "public", None, None, Endpoint(True, None, False))
    on = EndpointChange("update", "public", "e1", PUBLIC._replace(disable_auth=True), PUBLIC)
    c = _change(("update",), endpoints=[removed, added, on])
    assert _said(c) == [
        ("endpoint-removed", "warning"),
        ("endpoint-added", "info"),
        ("auth-enabled", "warning"),
    ]
    assert "https://d1.ifr.fr-par.internal stops answering" in c.consequences[0].message
    assert "no-downtime" not in [q.kind for q in c.consequences]  # an endpoint goes away


def test_auth_off_on_a_private_endpoint_names_the_network():
    off = EndpointChange("update", PRIVATE.network, "e2", PRIVATE, PRIVATE._replace(disable_auth=True))
    [q] = _change(("update",), endpoints=[off]).consequences[1:]
    assert (
        q.kind == "auth-disabled"
        and "private network pn-1" in q.message
        and "that private network" in q.message
    )


def test_deletion_lists_the_urls_that_stop_answering():
    c = _change(("delete",), after=None)
    assert _said(c) == [("service-removed", "warning")] and URL in c.consequences[0].message


def test_creations_no_ops_and_models_say_nothing():
    assert _change(("create",), before=None).consequences == ()
    assert _change(("no-op",)).consequences == ()
    model = ResourceChange(
        "model.m",
        "model",
        "m",
        "fr-par",
        "p",
        ("delete", "create"),
        "x",
        "error",
        Model("n", "fr-par", "p"),
        None,
    )
    assert with_consequences(model) == model
