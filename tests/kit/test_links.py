"""OpenAPI links as routes declare them (``kit.links``)."""

from __future__ import annotations

import pytest
from litestar import Litestar, get, post
from litestar.params import FromPath

from services.kit.links import describe, link, links


@post("/things", operation_id="makeThing", opt=links(link("getThing", thing_id="id")))
async def make() -> dict[str, str]:
    return {"id": "1"}


@get("/things/{thing_id:str}", operation_id="getThing")
async def read(thing_id: FromPath[str]) -> dict[str, str]:
    return {"id": thing_id}


@post(
    "/things/{thing_id:str}/copies",
    operation_id="copyThing",
    opt=links(link("makeThing", body={"of": "$request.path.thing_id"}), link("getThing")),
)
async def copy(thing_id: FromPath[str]) -> dict[str, str]:
    return {"id": thing_id}


def test_a_route_s_links_are_written_into_its_2xx_answers() -> None:
    app = Litestar([make, read, copy])
    document = app.openapi_schema.to_schema()
    describe(document, app)
    made = document["paths"]["/things"]["post"]["responses"]["201"]["links"]
    assert made == {
        "getThing": {"operationId": "getThing", "parameters": {"thing_id": "$response.body#/id"}}
    }
    copied = document["paths"]["/things/{thing_id}/copies"]["post"]["responses"]["201"]["links"]
    assert copied["makeThing"] == {
        "operationId": "makeThing",
        "requestBody": {"of": "$request.path.thing_id"},
    }
    assert copied["getThing"] == {"operationId": "getThing"}
    assert "links" not in document["paths"]["/things/{thing_id}"]["get"]["responses"]["200"]


def test_a_link_to_an_operation_the_contract_lacks_fails_the_build() -> None:
    @post("/orphans", operation_id="makeOrphan", opt=links(link("getOrphan", orphan_id="id")))
    async def orphan() -> None:
        return None

    app = Litestar([orphan])
    with pytest.raises(ValueError, match="getOrphan"):
        describe(app.openapi_schema.to_schema(), app)
