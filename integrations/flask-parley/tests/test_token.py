"""The relay token and the room password: claims, expiry, derivation, bad input."""

import hashlib
import hmac
import time
from datetime import timedelta

import jwt
import pytest
from flask import Flask

from conftest import ADA, RELAY_SECRET, ROOM_SECRET, relay_cli
from flask_parley import Parley


def claims(token, secret=RELAY_SECRET):
    return jwt.decode(token, secret, algorithms=["HS256"])


def test_token_carries_the_room_and_who_it_is_for_one_hour(parley):
    before = int(time.time())
    token = parley.token("invoice-7", ("42", "Ada Lovelace"))
    got = claims(token)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    assert got["rooms"] == ["invoice-7"]
    assert got["sub"] == "42"
    assert got["name"] == "Ada Lovelace"
    assert before <= got["iat"] <= int(time.time())
    assert got["exp"] - got["iat"] == 3600


def test_token_has_the_claims_parley_relay_token_mints():
    from_cli = relay_cli("token", "--secret", RELAY_SECRET, "--room", "invoice-7", "--sub", "42", "--name", "Ada Lovelace")
    app = Flask(__name__)
    app.config.update(PARLEY_RELAY_SECRET=RELAY_SECRET, PARLEY_ROOM_SECRET=ROOM_SECRET)
    parley = Parley(app)
    with app.app_context():
        ours = parley.token("invoice-7", ("42", "Ada Lovelace"))
    assert jwt.get_unverified_header(ours) == jwt.get_unverified_header(from_cli)
    theirs, mine = claims(from_cli), claims(ours)
    assert abs(mine["iat"] - theirs["iat"]) <= 2
    for claim in (theirs, mine):
        claim["exp"] -= claim.pop("iat")
    assert mine == theirs


def test_token_for_the_signed_in_user_by_default(parley):
    assert claims(parley.token("invoice-7"))["sub"] == ADA[0]
    parley.signed_in = None
    assert parley.token("invoice-7") is None


def test_token_leaves_out_an_empty_sub_and_a_missing_name(parley):
    got = claims(parley.token("invoice-7", ("", None)))
    assert "sub" not in got and "name" not in got
    assert claims(parley.token("invoice-7", (7, "Ada")))["sub"] == "7"


def test_token_lifetime_comes_from_the_config(app, parley):
    app.config["PARLEY_TOKEN_TTL"] = timedelta(minutes=5)
    got = claims(parley.token("invoice-7"))
    assert got["exp"] - got["iat"] == 300
    app.config["PARLEY_TOKEN_TTL"] = 90
    got = claims(parley.token("invoice-7"))
    assert got["exp"] - got["iat"] == 90
    app.config["PARLEY_TOKEN_TTL"] = 0
    with pytest.raises(ValueError, match="PARLEY_TOKEN_TTL"):
        parley.token("invoice-7")


def test_token_expires(parley, monkeypatch):
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: 1_000_000_000.0)
        token = parley.token("invoice-7")
    assert jwt.decode(token, options={"verify_signature": False})["exp"] == 1_000_003_600
    with pytest.raises(jwt.ExpiredSignatureError):
        claims(token)


@pytest.mark.parametrize("room", ["", None, 7, ["invoice-7"]])
def test_token_and_password_refuse_a_room_that_is_not_a_name(parley, room):
    with pytest.raises(ValueError, match="room"):
        parley.token(room)
    with pytest.raises(ValueError, match="room"):
        parley.room_password(room)


def test_a_user_loader_that_returns_something_else_is_a_clear_error(parley):
    parley.signed_in = {"id": 42}
    with pytest.raises(TypeError, match=r"\(sub, display name\)"):
        parley.token("invoice-7")
    with pytest.raises(TypeError, match=r"\(sub, display name\)"):
        parley.token("invoice-7", "42")


def test_init_app_needs_both_secrets():
    app = Flask(__name__)
    app.config.update(PARLEY_RELAY_SECRET=RELAY_SECRET)
    with pytest.raises(RuntimeError, match="PARLEY_ROOM_SECRET"):
        Parley(app)


def test_room_password_is_the_hmac_of_the_room_name(parley):
    expected = hmac.new(ROOM_SECRET.encode(), b"invoice-7", hashlib.sha256).hexdigest()
    assert parley.room_password("invoice-7") == expected
    parley.signed_in = ("43", "Bob")
    assert parley.room_password("invoice-7") == expected, "everyone gets the same password"
    assert parley.room_password("invoice-8") != expected


def test_room_password_depends_on_the_room_secret(app, parley):
    first = parley.room_password("invoice-7")
    app.config["PARLEY_ROOM_SECRET"] = b"another room secret"
    assert parley.room_password("invoice-7") != first
    assert parley.room_password("invoice-7") == hmac.new(b"another room secret", b"invoice-7", hashlib.sha256).hexdigest()
