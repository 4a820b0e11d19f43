"""The local Hub: a sparse file reads as its whole bytes, whatever range is asked, over HTTP
too; a gated repository wants its token."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from infermod.localhub import Hub, Repo, Sparse, safetensors

sparse_files = st.builds(Sparse, st.binary(min_size=0, max_size=64), st.integers(0, 200)).filter(
    lambda s: s.size >= len(s.head)
)


def whole(sparse: Sparse) -> bytes:
    return sparse.head + b"\0" * (sparse.size - len(sparse.head))


@given(sparse_files, st.integers(0, 250), st.integers(0, 250))
def test_any_range_of_a_sparse_file_is_those_bytes_of_the_whole_file(sparse, start, end):
    assert sparse.read(start, end) == whole(sparse)[start:end]


@pytest.fixture(scope="module")
def hub() -> Iterator[Hub]:
    weights = safetensors({"w": [3, 5]}, with_data=False)
    served = Hub(
        {
            "acme/open": Repo({"w.safetensors": weights, "a.txt": b"0123456789"}),
            "acme/gated": Repo({"a.txt": b"x"}, token="hf_t"),
        }
    )
    yield served
    served.close()


@given(st.sampled_from(["w.safetensors", "a.txt"]), st.integers(0, 150), st.none() | st.integers(0, 150))
def test_range_requests_answer_as_http_says(hub, name, first, last):
    """RFC 9110 14.1.2 and 15.5.17: an invalid range (last before first) is ignored; one that
    starts past the end is 416. `bytes=2-0` once announced a negative length: the client hung."""
    url = f"{hub.url}/acme/open/resolve/main/{name}"
    full = requests.get(url, timeout=5).content
    ranged = requests.get(url, headers={"range": f"bytes={first}-{'' if last is None else last}"}, timeout=5)
    if last is not None and last < first:
        assert (ranged.status_code, ranged.content) == (200, full)
    elif first >= len(full):
        assert (ranged.status_code, ranged.headers["content-range"]) == (416, f"bytes */{len(full)}")
    else:
        expected = full[first : None if last is None else last + 1]
        assert ranged.status_code == 206 and ranged.content == expected
        assert ranged.headers["content-range"] == f"bytes {first}-{first + len(expected) - 1}/{len(full)}"


def test_sparse_weights_carry_a_real_safetensors_header(hub):
    data = requests.get(f"{hub.url}/acme/open/resolve/main/w.safetensors", timeout=5).content
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    assert header == {"w": {"dtype": "BF16", "shape": [3, 5], "data_offsets": [0, 30]}}
    assert len(data) == 8 + length + 30


def test_a_gated_repository_answers_401_gatedrepo_without_its_token(hub):
    url = f"{hub.url}/acme/gated/resolve/main/a.txt"
    refused = requests.get(url, timeout=5)
    assert (refused.status_code, refused.headers["X-Error-Code"]) == (401, "GatedRepo")
    assert requests.get(url, headers={"authorization": "Bearer hf_t"}, timeout=5).content == b"x"
    missing = requests.get(f"{hub.url}/api/models/acme/none", timeout=5)
    assert (missing.status_code, missing.headers["X-Error-Code"]) == (404, "RepoNotFound")
