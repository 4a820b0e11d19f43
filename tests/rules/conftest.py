"""Fixtures shared by the rules' tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hub import Hub


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    """A local Hugging Face Hub on 127.0.0.1, the one HF_ENDPOINT names, read without a token."""
    running = Hub()
    monkeypatch.setenv("HF_ENDPOINT", running.url)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    yield running
    running.close()
