"""A signed-in HTTP client for the JSON API, per development user."""

from __future__ import annotations

from typing import Any

import httpx


class ApiClient:
    def __init__(self, base_url: str, username: str, password: str = "demo") -> None:
        self.username = username
        self.http = httpx.Client(base_url=base_url, timeout=30)
        response = self.http.post(
            "/api/auth/token", data={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, json: Any = None) -> httpx.Response:
        return self.http.post(path, json=json)

    def close(self) -> None:
        self.http.close()


def page_client(base_url: str, signed_in: ApiClient) -> httpx.Client:
    """The web pages as `signed_in`'s browser would see them: the session cookie, HTML
    accepted, and the CSRF token a page form carries kept in the `x-test-csrf` header."""
    from api.web.session import COOKIE, csrf_token

    token = signed_in.http.headers["Authorization"].removeprefix("Bearer ")
    client = httpx.Client(
        base_url=base_url, cookies={COOKIE: token}, headers={"accept": "text/html"}, timeout=60
    )
    client.headers["x-test-csrf"] = csrf_token(token)
    return client
