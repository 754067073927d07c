"""One running platform (the three services as processes) for every flow test: starting it
costs seconds, and each test works in a tenant of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.kit.devkeys import DevKey
from tests.flow.platform import Platform


@pytest.fixture(scope="session")
def platform(database_url: str, dev_key: DevKey) -> Iterator[Platform]:
    with Platform(database_url, dev_key) as running:
        yield running
