"""Invoicing's domains import one another one way: profiles ← debtors ← invoices ← relations ←
costs ← events ← privacy.

A cost sheet is split into invoices, so ``costs`` knows ``invoices``; an invoice knows its
cost sheet only by id. The billing relations complete held invoices, and a cost sheet's
drafts are addressed by them, so ``relations`` sits between the two. A person's export and
erasure read and erase across all of them, so ``privacy`` is on top. Read from the source,
like the house rules (``tests/house``).
"""

from __future__ import annotations

from tests.house.imports import domain_of, imports, modules

LAYERS = ("profiles", "debtors", "invoices", "relations", "costs", "events", "privacy")


def _domain_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module in modules():
        own = domain_of(module)
        if own is None or own[0] != "invoicing":
            continue
        for target in imports(module):
            other = domain_of(target)
            if other is not None and other[0] == "invoicing" and other != own:
                graph.setdefault(own[1], set()).add(other[1])
    return graph


def test_every_domain_imports_only_the_layers_below_it() -> None:
    upward = sorted(
        f"{domain} -> {target}"
        for domain, targets in _domain_graph().items()
        for target in targets
        if LAYERS.index(target) >= LAYERS.index(domain)
    )
    assert upward == []


def test_the_layers_name_every_domain() -> None:
    domains = {d[1] for m in modules() if (d := domain_of(m)) and d[0] == "invoicing"}
    assert domains - {"migrations"} == set(LAYERS)
