"""Reading model files defensively: a safetensors header is checked against its file, JSON is
bounded, and whatever the bytes, the answer is a parameter count or a SourceError, quickly.
Whole model directories and Hub repositories are in tests/test_model_inputs.py."""

from __future__ import annotations

import json
import re
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infermod.rules.model_files import (
    HEADER_LIMIT,
    MAX_JSON_VALUES,
    SourceError,
    header_length,
    header_parameters,
    local_safetensors,
    parse_json,
)


def safetensors(tensors: dict, data: bytes) -> bytes:
    header = json.dumps(tensors).encode()
    return struct.pack("<Q", len(header)) + header + data


def test_parameters_of_a_well_formed_file(tmp_path):
    tensors = {
        "__metadata__": {"format": "pt"},
        "a": {"dtype": "BF16", "shape": [2, 3], "data_offsets": [0, 12]},
        "b": {"dtype": "F4", "shape": [4], "data_offsets": [12, 14]},  # sub-byte: not size-checked
        "empty": {"dtype": "F32", "shape": [0, 10**6], "data_offsets": [14, 14]},
    }
    (tmp_path / "m.safetensors").write_bytes(safetensors(tensors, b"\0" * 14))
    assert local_safetensors(str(tmp_path), "m.safetensors") == 6 + 4


@pytest.mark.parametrize(
    ("tensor", "words"),
    [
        ({"dtype": "Q3", "shape": [1], "data_offsets": [0, 1]}, "unknown dtype 'Q3'"),
        (
            {"dtype": ["U8"], "shape": [1], "data_offsets": [0, 1]},
            "unknown dtype \"['U8']\"",
        ),  # was a TypeError
        (
            {"dtype": "U8", "shape": [-1], "data_offsets": [0, 1]},
            "shape is not a list of non-negative integers",
        ),
        ({"dtype": "U8", "shape": [True], "data_offsets": [0, 1]}, "shape is not a list"),
        ({"dtype": "U8", "shape": [1], "data_offsets": [0]}, "without valid data offsets"),
        ({"dtype": "U8", "shape": [1], "data_offsets": [1, 0]}, "lies outside the file's 4 data bytes"),
        ({"dtype": "U8", "shape": [1], "data_offsets": [0, 5]}, "(0-5) lies outside"),
        ({"dtype": "U16", "shape": [1], "data_offsets": [0, 1]}, "size does not match its shape and dtype"),
        (
            {"dtype": "F4", "shape": [3, 3], "data_offsets": [0, 4]},
            "holds more elements than the file has data",
        ),
    ],
)
def test_each_bad_tensor_is_named(tensor, words):
    with pytest.raises(SourceError, match=r"^m\.safetensors has tensor 't'") as caught:
        header_parameters("m.safetensors", json.dumps({"t": tensor}).encode(), 4)
    assert words in str(caught.value) and caught.value.rule == "model-weights-invalid"


def test_a_huge_shape_is_refused_before_its_product_is_computed():
    """2,000 dimensions of 4,299 digits: multiplying them out took minutes."""
    dim = "9" * 4299
    count = (HEADER_LIMIT - 100) // (len(dim) + 1)
    raw = ('{"t":{"dtype":"F4","shape":[' + ",".join([dim] * count) + '],"data_offsets":[0,0]}}').encode()
    with pytest.raises(SourceError, match="holds more elements than the file has data for"):
        header_parameters("m.safetensors", raw, 0)


@pytest.mark.parametrize(
    ("first", "size", "words"),
    [
        (b"\x01", 1, "is 1 bytes long: too short"),
        (struct.pack("<Q", HEADER_LIMIT + 1), 10**9, "more than 8,388,608 bytes"),
        (struct.pack("<Q", 100), 50, "declares a 100-byte header but the file is 50 bytes (truncated?)"),
    ],
)
def test_the_declared_header_length_is_checked_against_the_file(first, size, words):
    with pytest.raises(SourceError, match=re.escape(words)):
        header_length("m.safetensors", first, size)


def test_json_is_bounded_before_it_is_parsed():
    with pytest.raises(SourceError, match=f"holds more than {MAX_JSON_VALUES:,} values"):
        parse_json("config.json", b"[" + b"0," * MAX_JSON_VALUES + b"0]")
    with pytest.raises(SourceError, match=r"config\.json is not UTF-8 text"):
        parse_json("config.json", b"\xff")
    with pytest.raises(SourceError, match=r"config\.json is not valid JSON"):
        parse_json("config.json", b"[" * 100_000)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
TENSOR = st.fixed_dictionaries(
    {
        "dtype": st.sampled_from(["F32", "BF16", "U8", "F4", "C64", "X"]) | JSONISH,
        "shape": JSONISH,
        "data_offsets": JSONISH,
    }
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(max_size=6), TENSOR | JSONISH, max_size=4) | JSONISH, st.integers(0, 10**6))
def test_any_header_gives_a_count_or_a_source_error(header, data_size):
    try:
        count = header_parameters("m.safetensors", json.dumps(header).encode(), data_size)
    except SourceError as exc:
        assert exc.rule == "model-weights-invalid" and str(exc).startswith("m.safetensors ")
    else:
        assert isinstance(count, int) and 0 <= count <= 2 * data_size * max(1, len(header))
