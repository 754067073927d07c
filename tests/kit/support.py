"""What the kit's tests share: a database connection that can be cut, an app's log lines,
webhook subscriptions made through the API, and a probe app's policy."""

from __future__ import annotations

import socket
import threading
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from services.kit.policy import PRIVACY_OPERATIONS, TENANT, Policy

DATABASE_PASSWORD = "hunter2-db-password"
"""The password the cut-able URL carries when the test database needs none (trust)."""


class CuttableDatabase:
    """A TCP relay in front of the test database: :meth:`cut` is an outage (every connection
    dropped, new ones refused), :meth:`restore` ends it. :attr:`url` reaches the database
    through it, with a password."""

    def __init__(self, database_url: str) -> None:
        parts = urlsplit(database_url)
        query = parse_qs(parts.query)
        socket_dir = query.pop("host", [None])[0]
        self.upstream: str | tuple[str, int] = (
            f"{socket_dir}/.s.PGSQL.{parts.port or 5432}"
            if socket_dir
            else (parts.hostname or "127.0.0.1", parts.port or 5432)
        )
        self.password = parts.password or DATABASE_PASSWORD
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        netloc = f"{parts.username}:{self.password}@127.0.0.1:{self.port}"
        self.url = urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, doseq=True)))
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._start()

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen()
        return listener

    def _start(self) -> None:
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _connect_upstream(self) -> socket.socket:
        if isinstance(self.upstream, str):
            upstream = socket.socket(socket.AF_UNIX)
        else:
            upstream = socket.socket()
        upstream.connect(self.upstream)
        return upstream

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            upstream = self._connect_upstream()
            with self._lock:
                self._open += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            for end in self._open:
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                end.close()
            self._open.clear()

    def restore(self) -> None:
        self._listener = self._listen(self.port)
        self._start()


PUBLIC_URL = "https://93.184.215.14/kring/hooks"
"""A webhook URL whose host is a public address literal: registered without DNS."""


async def subscribe(client: Any, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    """A webhook subscription made through the API (``fields`` over a URL and one type)."""
    body = {"url": PUBLIC_URL, "event_types": ["session.closed"], **fields}
    response = await client.post("/v1/webhook-subscriptions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def admin_policy(*operations: str) -> Policy:
    """A probe app's policy: the admin alone, on its ``operations`` and those every app serves."""
    table = {operation: {"admin": TENANT} for operation in (*PRIVACY_OPERATIONS, *operations)}
    return Policy(roles=("admin",), scopes={TENANT: "every row of the organisation"}, table=table)
