"""api.errors: values the database cannot store, and 422s quoting a lone surrogate."""

from __future__ import annotations

import json

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.exc import DataError

from api.errors import UNSTORABLE, install


class Body(BaseModel):
    count: int
    text: str


def app() -> FastAPI:
    built = FastAPI()

    @built.post("/echo")
    def echo(body: Body) -> dict[str, str]:
        return {"ok": "ja"}

    @built.post("/data-error")
    def data_error() -> None:
        raise DataError("INSERT ...", {}, ValueError("NUL"))

    @built.post("/encode-error")
    def encode_error() -> None:
        "\ud800".encode()

    install(built)
    return built


def test_a_validation_error_quoting_a_lone_surrogate_is_a_422_not_a_500() -> None:
    client = TestClient(app(), raise_server_exceptions=False)
    raw = b'{"count": "\\ud800", "text": "x"}'
    response = client.post("/echo", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    (error,) = json.loads(response.content)["detail"]
    assert error["loc"] == ["body", "count"] and error["input"] == "\ud800"


def test_an_ordinary_validation_error_is_fastapis_usual_answer() -> None:
    client = TestClient(app())
    response = client.post("/echo", json={"count": "mange", "text": "Æble"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert "Æble" not in response.text and response.json()["detail"][0]["input"] == "mange"


def test_values_the_database_cannot_store_are_the_callers_error() -> None:
    client = TestClient(app(), raise_server_exceptions=False)
    for path in ("/data-error", "/encode-error"):
        response = client.post(path)
        assert response.status_code == 422, path
        assert response.json() == {"detail": UNSTORABLE}
