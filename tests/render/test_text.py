"""The terminal view: its table at any width of names, what it says of unchanged and busy
deployments, and the cost and targeting lines. The full layout is the golden file."""

from __future__ import annotations

import re

import pytest

from infermod import output
from infermod.findings import Finding
from infermod.plan.model import Cost, EndpointChange
from infermod.render.text import render_text
from tests.render.test_markdown import PUBLIC, change, plan


@pytest.fixture(autouse=True)
def no_colour(monkeypatch):
    monkeypatch.setattr(output, "_color", False)


def table(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "deployment" in line and "node type" in line)
    return lines[start : next(i for i in range(start, len(lines)) if not lines[i].strip())]


@pytest.mark.parametrize("width", [1, 40, 200])
def test_the_table_columns_line_up_whatever_the_names(width):
    keys = ["a", "k" * width, "mid-name"]
    text = render_text(plan([change(k) for k in keys]), columns=1_000)  # wide enough for whole names
    head, rule, *rows = table(text)
    assert [row.split()[1] for row in rows] == [f"deployment.{k}" for k in keys]
    for column in ("region", "node type", "monthly", "status"):  # text columns align left
        at = head.index(column)
        assert rule[at] == "-" and rule[at - 1] == " "  # each column starts at its rule
    assert len({len(row.rstrip()) for row in rows}) == 1  # the last column ends together
    assert all(row.index("fr-par") == head.index("region") for row in rows)


def test_nodes_align_right_and_money_has_separators():
    big = change("a")._replace(
        after=change("a").after._replace(min_size=12, max_size=12), cost=Cost("EUR", 0.0, 20.0)
    )
    head, _, *rows = table(render_text(plan([big, change("b")])))
    end = head.index("nodes") + len("nodes")
    assert [row[end - 2 : end] for row in rows] == ["12", " 1"]
    assert "14,600.00 EUR" in rows[0]  # 20 an hour, 730 hours


def test_unchanged_are_a_count_and_busy_ones_are_named():
    busy = change("busy", ("no-op",))._replace(status="deploying")
    text = render_text(plan([change(f"u{i}", ("no-op",)) for i in range(1500)] + [busy]))
    assert "  # deployment.busy is deploying (no changes planned)" in text
    assert "(1,501 unchanged deployment(s) not shown)" in text
    assert "will perform" not in text and "deployment.u0" not in text
    assert text.endswith("No changes. Your deployments match the configuration.")


def test_a_create_shows_every_set_field_and_a_delete_its_id():
    created = render_text(plan([change("a")]))
    assert (
        '      + node_type     = "L4"\n' in created
        and "      + endpoint      = public, auth required" in created
    )
    assert 'project_id    = "p"' in created and "accept_eula" not in created
    deleted = render_text(plan([change("a", ("delete",))]))
    assert '      - name          = "a"' in deleted and '        id            = "id-a"' in deleted


def test_endpoint_changes_are_marked_and_auth_off_is_flagged():
    private = PUBLIC._replace(public=False, private_network_id="pn-1")
    c = change("a", ("update",))._replace(
        endpoint_changes=(
            EndpointChange("create", "pn-1", None, None, private),
            EndpointChange("delete", "public", "e-1", PUBLIC, None),
            EndpointChange("update", "public", "e-2", PUBLIC, PUBLIC._replace(disable_auth=True)),
        )
    )
    text = render_text(plan([c]))
    assert "      + endpoint      = private network pn-1, auth required\n" in text
    assert "      - endpoint      = public, auth required\n" in text
    assert "= public, auth required -> no auth  # ! authentication turned OFF" in text


def test_unknown_prices_targets_and_findings():
    unknown = change("a")._replace(cost=None)
    finding = Finding("lifecycle-preview", "warning", "`m` is in Preview", "deployment.a")
    text = render_text(plan([unknown], [finding])._replace(targets=("deployment.a",), sandbox=True))
    assert text.startswith("[sandbox] this plan is against the local sandbox emulator")
    assert "(some prices unknown), at 730 hours a month" in " ".join(text.split())
    assert "unknown" in table(text)[2]
    assert "Findings:\n  warning: `m` is in Preview (lifecycle-preview)\n" in text
    assert text.endswith("run a full `infermod plan` afterwards.")
    assert "--target (deployment.a)" in text


def test_every_line_but_field_lines_fits_80_columns_and_long_addresses_lose_their_start():
    keys = ["a", "k" * 60, "mid-name"]
    text = render_text(plan([change(k) for k in keys]), columns=80)
    head, rule, *rows = table(text)
    assert all(len(line) <= 80 for line in [head, rule, *rows]), "\n".join([head, rule, *rows])
    assert rows[1].split()[1].startswith("...kkk") and rows[2].split()[1] == "deployment.mid-name"
    field = re.compile(r"^\s+[~+-] \S+\s+= ")
    assert all(len(line) <= 80 for line in text.splitlines() if not field.match(line)), text
