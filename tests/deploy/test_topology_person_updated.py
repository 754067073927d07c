"""Accreditation hears when a person changes: it re-judges what waited for their data."""

from __future__ import annotations

from services import topology

from .test_topology import published


def test_accreditation_receives_person_updated() -> None:
    (accreditation,) = [
        s
        for s in topology.SUBSCRIPTIONS
        if (s.producer, s.consumer) == ("scheduling", "accreditation")
    ]
    assert "person.updated" in accreditation.types
    assert "person.updated" in published("scheduling")
