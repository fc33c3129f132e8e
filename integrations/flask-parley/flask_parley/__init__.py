"""Parley for Flask and Flask-AppBuilder: relay tokens, room passwords and template helpers.

``Parley(app)`` serves Parley's script-tag bundle (copied into ``static/`` by
``npm run build:flask``) at ``/static/parley/`` and gives templates ``parley``:

- ``{{ parley.script() }}``: the script tag;
- ``{% call parley.form(room) %}<form>…</form>{% endcall %}``: the form, made collaborative;
- ``{{ parley.call(room) }}``: the video grid and the call controls.

Each renders, once per room and page, a ``<parley-room>`` with the relay URL, a token for the
signed-in user and the room password. With nobody signed in they render no Parley markup
(``form`` still renders its content), and no token is minted.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import timedelta

import jwt
from flask import Blueprint, Flask, current_app, g, url_for
from markupsafe import Markup

__all__ = ["Parley", "User", "flask_login_user"]

#: Who is signed in, as the relay token carries it: ``(sub, display name)``.
User = tuple[str, str | None]

#: The relay accepts nothing else (signaling/src/auth.js): a shared secret, no PKI.
JWT_ALGORITHM = "HS256"
#: How long a minted token lets its holder connect, as ``parley-relay token`` mints by
#: default. The relay checks it once, when a page connects; set ``PARLEY_TOKEN_TTL``
#: (seconds or a ``timedelta``) for pages that stay open longer between reconnects.
DEFAULT_TOKEN_TTL = timedelta(hours=1)
#: Config keys without which nothing can be minted.
REQUIRED_CONFIG = ("PARLEY_RELAY_SECRET", "PARLEY_ROOM_SECRET")


def flask_login_user() -> User | None:
    """The default user loader: Flask-Login's ``current_user``, as Flask-AppBuilder sets it.

    ``sub`` is ``get_id()``; the name is ``get_full_name()`` where the user model has it,
    else ``str(user)``. None when Flask-Login is not installed or not set up on the app, or
    nobody is signed in.
    """
    try:
        from flask_login import current_user
    except ImportError:
        return None
    if not hasattr(current_app, "login_manager") or not current_user.is_authenticated:
        return None
    full_name = getattr(current_user, "get_full_name", None)
    return str(current_user.get_id()), full_name() if callable(full_name) else str(current_user)


class Parley:
    """The Flask extension: ``Parley(app)``, or ``parley = Parley()`` then ``parley.init_app(app)``.

    Config: ``PARLEY_SIGNALING_URL`` (the relay's ``wss://`` URL; absent: the element's
    default), ``PARLEY_RELAY_SECRET`` (the relay's ``--secret``), ``PARLEY_ROOM_SECRET`` (a
    secret of the app's own, for room passwords) and optionally ``PARLEY_TOKEN_TTL``.
    """

    def __init__(self, app: Flask | None = None) -> None:
        self._load_user: Callable[[], User | None] = flask_login_user
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        missing = [key for key in REQUIRED_CONFIG if not app.config.get(key)]
        if missing:
            raise RuntimeError(f"flask-parley needs {' and '.join(missing)} in the app's config")
        app.config.setdefault("PARLEY_SIGNALING_URL", None)
        app.config.setdefault("PARLEY_TOKEN_TTL", DEFAULT_TOKEN_TTL)
        app.register_blueprint(Blueprint("parley", __name__, static_folder="static", static_url_path="/static/parley"))
        app.extensions["parley"] = self
        app.jinja_env.globals["parley"] = self

    def user_loader(self, load: Callable[[], User | None]) -> Callable[[], User | None]:
        """Decorator: ``load()`` returns the signed-in user as ``(sub, display name)``, or None."""
        self._load_user = load
        return load

    def current_user(self) -> User | None:
        """The signed-in user, from the user loader."""
        user = self._load_user()
        return None if user is None else _checked_user(user)

    def token(self, room: str, user: User | None = None) -> str | None:
        """The relay token for ``room``, for ``user`` (``(sub, display name)``; default: the
        signed-in user, and None when there is none). The claims are those of
        ``parley-relay token --room <room> --sub <sub> --name <name>``: ``rooms``, ``sub``,
        ``name``, ``iat``, ``exp``; HS256 under ``PARLEY_RELAY_SECRET``."""
        _check_room(room)
        user = _checked_user(user) if user is not None else self.current_user()
        if user is None:
            return None
        sub, name = user
        config = current_app.config
        ttl = config["PARLEY_TOKEN_TTL"]
        seconds = int(ttl.total_seconds() if isinstance(ttl, timedelta) else ttl)
        if seconds <= 0:
            raise ValueError(f"PARLEY_TOKEN_TTL must be positive, not {ttl!r}")
        now = int(time.time())
        claims: dict[str, object] = {"rooms": [room], "iat": now, "exp": now + seconds}
        if sub:
            claims["sub"] = str(sub)
        if name is not None:
            claims["name"] = str(name)
        return jwt.encode(claims, config["PARLEY_RELAY_SECRET"], algorithm=JWT_ALGORITHM)

    def room_password(self, room: str) -> str:
        """The room's password: HMAC-SHA256 of the room name under ``PARLEY_ROOM_SECRET``, in hex.
        Everyone who may open the page gets the same one; nobody else can work it out."""
        _check_room(room)
        return hmac.new(_bytes(current_app.config["PARLEY_ROOM_SECRET"]), room.encode(), hashlib.sha256).hexdigest()

    def script(self) -> Markup:
        """The script tag that loads Parley (``parley.js``; the rest loads beside it on demand)."""
        if self.current_user() is None:
            return Markup()
        return Markup('<script type="module" src="{}"></script>').format(url_for("parley.static", filename="parley.js"))

    def form(self, room: str, caller: Callable[[], str] | None = None) -> Markup:
        """``{% call parley.form(room) %}<form>…</form>{% endcall %}``: the form inside
        ``<parley-form>``. The content is template output and is rendered as it is."""
        content = Markup(caller() if caller is not None else "")
        return self._render(room, Markup('<parley-form room="{}">{}</parley-form>').format(room, content), content)

    def call(self, room: str) -> Markup:
        """``{{ parley.call(room) }}``: the video grid and the call controls."""
        return self._render(room, Markup('<parley-video-grid room="{0}"></parley-video-grid><parley-controls room="{0}"></parley-controls>').format(room))

    def _render(self, room: str, elements: Markup, signed_out: Markup = Markup()) -> Markup:
        """``elements``, after the room's ``<parley-room>`` when it is the page's first for it;
        ``signed_out`` when nobody is signed in."""
        _check_room(room)
        user = self.current_user()
        if user is None:
            return signed_out
        rendered = g.setdefault("parley_rooms", set())
        if room in rendered:
            return elements
        rendered.add(room)
        attributes = {
            "room": room,
            "signaling": current_app.config["PARLEY_SIGNALING_URL"],
            "token": self.token(room, user),
            "password": self.room_password(room),
        }
        shown = Markup(" ").join(Markup('{}="{}"').format(key, value) for key, value in attributes.items() if value is not None)
        return Markup("<parley-room {}></parley-room>").format(shown) + elements


def _check_room(room: object) -> None:
    if not isinstance(room, str) or not room:
        raise ValueError(f"a Parley room is a non-empty string, not {room!r}")


def _checked_user(user: object) -> User:
    if not (isinstance(user, tuple) and len(user) == 2):
        raise TypeError(f"a Parley user is (sub, display name), not {user!r}")
    return user


def _bytes(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode()
