"""A plain Flask app with Parley: two demo users, two invoices, and an edit form that
everyone allowed to open the invoice edits together.

Ada may open both invoices, Bob only the first: on the second he gets a 403 page, and with
it no token. Config comes from FLASK_* environment variables (Flask's from_prefixed_env):
FLASK_SECRET_KEY, FLASK_PARLEY_SIGNALING_URL, FLASK_PARLEY_RELAY_SECRET (the relay's
--secret) and FLASK_PARLEY_ROOM_SECRET. `npm run example:flask` sets them and starts it
with a relay; see integrations/flask-parley/README.md.
"""

from flask import Flask, abort, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user

from flask_parley import Parley


class User(UserMixin):
    def __init__(self, id, full_name):
        self.id = id
        self.full_name = full_name

    def get_full_name(self):
        return self.full_name


USERS = {user.id: user for user in [User("ada", "Ada Lovelace"), User("bob", "Bob Kahn")]}
STATUSES = ["draft", "sent", "paid"]


def demo_invoices():
    return {
        1: {"number": "INV-2026-0042", "amount": "1200.00", "status": "sent", "notes": "Customer asked for a split payment.", "editors": {"ada", "bob"}},
        2: {"number": "INV-2026-0043", "amount": "310.50", "status": "draft", "notes": "Internal: not for Bob.", "editors": {"ada"}},
    }


def create_app(config=None):
    app = Flask(__name__)
    app.config.from_prefixed_env()
    app.config.update(config or {})
    app.invoices = demo_invoices()
    login = LoginManager(app)
    login.login_view = "sign_in"
    login.user_loader(USERS.get)
    Parley(app)

    def invoice_for(id):
        invoice = app.invoices.get(id) or abort(404)
        if current_user.id not in invoice["editors"]:
            abort(403)
        return invoice

    @app.get("/")
    @login_required
    def index():
        return render_template("index.html", invoices=app.invoices)

    @app.route("/invoices/<int:id>", methods=["GET", "POST"])
    @login_required
    def edit(id):
        invoice = invoice_for(id)
        if request.method == "POST":
            invoice.update({key: request.form.get(key, "") for key in ("number", "amount", "status", "notes")})
            invoice["saved_by"] = current_user.full_name
            return redirect(url_for("index"))
        return render_template("edit.html", id=id, invoice=invoice, statuses=STATUSES)

    @app.route("/login", methods=["GET", "POST"])
    def sign_in():
        if request.method == "POST":
            login_user(USERS.get(request.form.get("user")) or abort(400))
            return redirect(url_for("index"))
        return render_template("login.html", users=USERS.values())

    @app.post("/logout")
    def sign_out():
        logout_user()
        return redirect(url_for("sign_in"))

    return app


app = create_app()
