"""Node quota text and the family a node type counts in (infermod/quota.py).

The round trip and the plain families are tested where the emulator reads them
(tests/emulator/test_fidelity.py); here the edges of the reading itself."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infermod.quota import parse_node_quota, quota_key


def test_spaces_and_empty_parts_are_ignored():
    assert parse_node_quota(" H100 = 3 , ,L4=5, ") == {"H100": 3, "L4": 5}


@pytest.mark.parametrize("text", ["H100=3,L4", "H100=3,L4=", "H100=3,=5", "H100=3,L4=1.5", "H100=3,L4=0x5"])
def test_the_message_quotes_the_part_that_is_wrong(text):
    bad = text.split(",")[-1]
    with pytest.raises(ValueError, match=f"^`{bad}`: expected NODE_TYPE=COUNT"):
        parse_node_quota(text)


@pytest.mark.parametrize("text", ["", " ", ",,", " , "])
def test_nothing_at_all_asks_for_the_form(text):
    with pytest.raises(ValueError, match=r"expected NODE_TYPE=COUNT\[,NODE_TYPE=COUNT\.\.\.\]"):
        parse_node_quota(text)


def test_a_family_extends_a_key_with_a_dash_only():
    quota = {"H100": 3, "L4": 5}
    # H1000 and L40S start with a key's text but are not in its family
    assert [quota_key(n, quota) for n in ("H100", "H100-2", "H1000", "L40S", "L4-1", "h100")] == [
        "H100",
        "H100",
        None,
        None,
        "L4",
        None,
    ]
    assert quota_key("H100", {}) is None


NAMES = st.from_regex(r"[A-Z][A-Z0-9]{0,3}(-[A-Z0-9]{1,2}){0,2}", fullmatch=True)


@given(NAMES, st.lists(NAMES, max_size=6))
def test_the_longest_covering_key_wins(node_type, keys):
    quota = dict.fromkeys(keys, 1)
    covering = [k for k in keys if node_type == k or node_type.startswith(k + "-")]
    key = quota_key(node_type, quota)
    if not covering:
        assert key is None
    else:
        assert key in covering and all(len(key) >= len(k) for k in covering)
