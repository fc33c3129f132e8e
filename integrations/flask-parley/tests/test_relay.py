"""The real relay (signaling/bin/parley-relay.js, started with PARLEY_RELAY_SECRET) accepts
the tokens Parley(app) mints and stamps their identity; it refuses them for another room,
once expired, or signed with another secret. The WebSocket part is what the browser client
does: the token in `?token=`, then relay frames (docs/protocol.md)."""

import json
import time
from urllib.parse import quote

import pytest
import websocket

from conftest import ADA


def connect(relay_url, token):
    return websocket.create_connection(f"{relay_url}/?token={quote(token)}", timeout=5)


def send(ws, frame):
    ws.send(json.dumps(frame))


def next_frame(ws, kind):
    while True:
        frame = json.loads(ws.recv())
        if frame["type"] == kind:
            return frame


def upgrade_status(relay_url, token):
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        connect(relay_url, token).close()
    return refused.value.status_code


def test_relay_accepts_the_token_and_stamps_its_identity(parley, relay_url):
    ws = connect(relay_url, parley.token("invoice-7"))
    try:
        send(ws, {"type": "subscribe", "topics": ["invoice-7"]})
        send(ws, {"type": "publish", "topic": "invoice-7", "data": {"type": "hello", "from": "a"}, "identity": {"sub": "forged"}})
        frame = next_frame(ws, "publish")
        assert frame["data"] == {"type": "hello", "from": "a"}
        assert frame["identity"] == {"sub": ADA[0], "name": ADA[1]}
    finally:
        ws.close()


def test_relay_refuses_the_token_for_another_room(parley, relay_url):
    ws = connect(relay_url, parley.token("invoice-7"))
    try:
        send(ws, {"type": "subscribe", "topics": ["invoice-8"]})
        assert next_frame(ws, "error")["reason"] == "topic not allowed"
        send(ws, {"type": "publish", "topic": "invoice-8", "data": {}})
        assert next_frame(ws, "error")["reason"] == "topic not allowed"
    finally:
        ws.close()


def test_relay_refuses_an_expired_token(parley, relay_url, monkeypatch):
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: 1_000_000_000.0)
        expired = parley.token("invoice-7")
    assert upgrade_status(relay_url, expired) == 401


def test_relay_refuses_a_token_signed_with_another_secret(app, parley, relay_url):
    app.config["PARLEY_RELAY_SECRET"] = "not-the-relay-secret-not-the-relay-secret"
    assert upgrade_status(relay_url, parley.token("invoice-7")) == 401
