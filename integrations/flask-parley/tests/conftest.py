"""Fixtures: a Flask app with Parley, its two secrets, and a real relay started with one of them."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask

from flask_parley import Parley

RELAY_SECRET = "relay-secret-used-by-these-tests-only-0123"
ROOM_SECRET = "room-secret-used-by-these-tests-only-4567"
SIGNALING_URL = "wss://relay.example.com/parley"
ADA = ("42", "Ada Lovelace")
REPO = Path(__file__).resolve().parents[3]
RELAY = REPO / "signaling" / "bin" / "parley-relay.js"


@pytest.fixture
def app():
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="flask-session-key-for-tests",
        PARLEY_SIGNALING_URL=SIGNALING_URL,
        PARLEY_RELAY_SECRET=RELAY_SECRET,
        PARLEY_ROOM_SECRET=ROOM_SECRET,
    )
    return app


@pytest.fixture
def parley(app):
    """Parley on `app`, with Ada signed in (tests sign someone else in with `signed_in`)."""
    parley = Parley(app)
    parley.signed_in = ADA
    parley.user_loader(lambda: parley.signed_in)
    with app.test_request_context("/"):
        yield parley


def node():
    path = shutil.which("node")
    if path is None:
        pytest.fail("node is not on PATH: the relay tests run the real relay")
    return path


def relay_cli(*args):
    """Runs `parley-relay <args>` and returns the last line it printed."""
    done = subprocess.run([node(), str(RELAY), *args], capture_output=True, text=True, check=True, timeout=30)
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def relay_url():
    """A real relay on a free port, started with RELAY_SECRET: its ws:// URL."""
    relay = subprocess.Popen(
        [node(), str(RELAY), "--port", "0", "--secret", RELAY_SECRET],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for line in relay.stdout:
            entry = json.loads(line) if line.startswith("{") else {}
            if entry.get("event") == "start":
                yield entry["url"]
                break
        else:
            pytest.fail("the relay exited before it listened")
    finally:
        relay.terminate()
        relay.wait(timeout=10)
