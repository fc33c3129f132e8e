"""The template helpers: what they render, escaping, secrets, nobody signed in, Flask-Login."""

from html.parser import HTMLParser

import jinja2
import jwt
import pytest
from flask import Blueprint, render_template, render_template_string
from flask_login import LoginManager, UserMixin, login_user, logout_user

from conftest import RELAY_SECRET, ROOM_SECRET, SIGNALING_URL
from flask_parley import flask_login_user

PAGE = """{{ parley.script() }}{{ parley.call(room) }}{% call parley.form(room) %}<form method="post"><input name="amount"></form>{% endcall %}"""


class Elements(HTMLParser):
    """Every start tag, with its attributes as the browser reads them (entities decoded)."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_helpers_render_the_room_once_then_the_elements(parley):
    html = render_template_string(PAGE, room="invoice-7")
    tags = Elements(html).tags
    assert [tag for tag, _ in tags] == ["script", "parley-room", "parley-video-grid", "parley-controls", "parley-form", "form", "input"]
    assert tags[0][1] == {"type": "module", "src": "/static/parley/parley.js"}
    room = tags[1][1]
    assert room.keys() == {"room", "signaling", "token", "password"}
    assert room["room"] == "invoice-7"
    assert room["signaling"] == SIGNALING_URL
    assert room["password"] == parley.room_password("invoice-7")
    assert jwt.decode(room["token"], RELAY_SECRET, algorithms=["HS256"])["rooms"] == ["invoice-7"]
    assert all(attrs == {"room": "invoice-7"} for tag, attrs in tags[2:5])
    assert '<parley-form room="invoice-7"><form method="post"><input name="amount"></form></parley-form>' in html


def test_each_room_on_a_page_gets_its_own_parley_room(parley):
    html = render_template_string("{{ parley.call('a') }}{{ parley.call('b') }}{{ parley.call('a') }}")
    rooms = [attrs["room"] for tag, attrs in Elements(html).tags if tag == "parley-room"]
    assert rooms == ["a", "b"]


def test_without_a_signaling_url_the_attribute_is_left_out(app, parley):
    app.config["PARLEY_SIGNALING_URL"] = None
    tags = Elements(render_template_string(PAGE, room="r")).tags
    assert "signaling" not in tags[1][1]


HOSTILE = """x" onmouseover="alert(1)" y='<script>alert(2)</script>&amp;"""


def test_every_value_rendered_into_an_attribute_is_escaped(app, parley):
    app.config["PARLEY_SIGNALING_URL"] = f"wss://relay.example.com/{HOSTILE}"
    parley.signed_in = (HOSTILE, HOSTILE)
    html = render_template_string(PAGE, room=HOSTILE)
    assert "<script>alert" not in html
    tags = Elements(html).tags
    assert [tag for tag, _ in tags] == ["script", "parley-room", "parley-video-grid", "parley-controls", "parley-form", "form", "input"]
    room = tags[1][1]
    assert room["room"] == HOSTILE
    assert room["signaling"] == f"wss://relay.example.com/{HOSTILE}"
    assert room["password"] == parley.room_password(HOSTILE)
    token = jwt.decode(room["token"], RELAY_SECRET, algorithms=["HS256"])
    assert (token["rooms"], token["sub"], token["name"]) == ([HOSTILE], HOSTILE, HOSTILE)
    assert all(attrs == {"room": HOSTILE} for tag, attrs in tags[2:5])


def test_the_script_url_is_escaped(app, parley):
    app.config["APPLICATION_ROOT"] = "/"
    with app.test_request_context("/", base_url='http://example.com/a"b<c>'):
        html = render_template_string("{{ parley.script() }}")
    assert Elements(html).tags == [("script", {"type": "module", "src": '/a"b<c>/static/parley/parley.js'})]


@pytest.mark.parametrize("user", [("42", "Ada Lovelace"), None])
def test_no_secret_is_ever_rendered(parley, user):
    parley.signed_in = user
    html = render_template_string(PAGE, room="invoice-7")
    assert RELAY_SECRET not in html and ROOM_SECRET not in html
    for tag, attrs in Elements(html).tags:
        if tag == "parley-room":
            token = attrs["token"]
            seen = str(jwt.get_unverified_header(token)) + str(jwt.decode(token, options={"verify_signature": False}))
            assert RELAY_SECRET not in seen and ROOM_SECRET not in seen


def test_nobody_signed_in_no_parley_markup_and_the_form_still_renders(parley):
    parley.signed_in = None
    assert render_template_string(PAGE, room="invoice-7") == '<form method="post"><input name="amount"></form>'


def test_the_flask_appbuilder_override_in_the_readme(app, parley):
    # The three lines of the README, on a stand-in for Flask-AppBuilder's edit.html and a
    # view registered the way Flask-AppBuilder registers one (a blueprint per view class).
    app.jinja_loader = jinja2.DictLoader(
        {
            "appbuilder/general/model/edit.html": "<head>{% block head_js %}<script src=fab.js></script>{% endblock %}</head>"
            "<main>{% block edit_form %}<form><input name=n value=1></form>{% endblock %}</main>",
            "invoice_edit.html": """{% extends "appbuilder/general/model/edit.html" %}
{% block head_js %}{{ super() }}{{ parley.script() }}{% endblock %}
{% block edit_form %}{% call parley.form(request.blueprint ~ '-' ~ request.view_args.pk) %}{{ super() }}{% endcall %}{% endblock %}""",
        }
    )
    view = Blueprint("InvoiceModelView", __name__, url_prefix="/invoicemodelview")
    view.add_url_rule("/edit/<pk>", "edit", lambda pk: render_template("invoice_edit.html"))
    app.register_blueprint(view)
    html = app.test_client().get("/invoicemodelview/edit/7").text
    assert html.startswith('<head><script src=fab.js></script><script type="module" src="/static/parley/parley.js"></script></head>')
    assert '<main><parley-room room="InvoiceModelView-7" ' in html
    assert html.endswith('<parley-form room="InvoiceModelView-7"><form><input name=n value=1></form></parley-form></main>')


class Person(UserMixin):
    def __init__(self, id, full_name=None):
        self.id = id
        self.full_name = full_name

    def __str__(self):
        return f"user {self.id}"


class FabUser(Person):
    def get_full_name(self):
        return self.full_name


@pytest.fixture
def login(app):
    people = {}
    manager = LoginManager(app)
    manager.user_loader(people.get)
    return people


def test_default_user_is_flask_logins_current_user(app, login):
    with app.test_request_context("/"):
        assert flask_login_user() is None
        login_user(FabUser("7", "Grace Hopper"))
        assert flask_login_user() == ("7", "Grace Hopper")
        logout_user()
        login_user(Person(8))
        assert flask_login_user() == ("8", "user 8"), "str(user) without get_full_name()"


def test_default_user_without_flask_login_set_up_is_nobody(app):
    with app.test_request_context("/"):
        assert flask_login_user() is None
