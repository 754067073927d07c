"""Helpers of the calendar feed tests: a feed URL issued through the API, and its path."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx


async def issued(client: httpx.AsyncClient, headers: dict[str, str], owner: str) -> dict:
    """The answer that issues ``owner``'s feed URL (``owner``: ``people/<id>`` or
    ``groups/<id>``), in place of the one before, if any."""
    response = await client.post(f"/v1/{owner}/calendar-feed", headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def path_of(url: str) -> str:
    return urlsplit(url).path
