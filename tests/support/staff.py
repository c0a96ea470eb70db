"""Staff accounts, and a desk: a test client used as a person at a workstation, which
sends the CSRF token the way a browser form does.

CSRF stays on (WTF_CSRF_ENABLED is never turned off): every post sends the token it
read from a page, and the CSRF tests post without it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from pharmacy.extensions import database
from pharmacy.models import User
from pharmacy.services import SYSTEM
from pharmacy.services.admin.users import create_user
from pharmacy.services.counter.actions import Staff

PASSWORD = "a-long-enough-password"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# One of each role, and a second pharmacist: who compounded may not also verify.
ROLES = {
    "technician": "technician",
    "pharmacist": "pharmacist",
    "pharmacist2": "pharmacist",
    "admin": "admin",
}


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str
    password: str = PASSWORD

    @property
    def staff(self) -> Staff:
        return Staff(self.id, self.username, self.role, self.username[:2].upper())


def add_account(app, role: str, *, name: str | None = None, active: bool = True) -> Account:
    """A staff account with a quick hash: the slow scrypt of real accounts is tested
    once in test_auth; hundreds of logins with it would only slow the suite down."""
    username = name or f"{role[:4]}-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        session = database.session
        user = User(
            username=username,
            role=role,
            full_name=f"Test {role.title()}",
            initials=role[:2].upper(),
            password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
            active=active,
        )
        session.add(user)
        session.commit()
        return Account(user.id, username, role)


def created_staff(app) -> dict[str, Staff]:
    """Each of `ROLES`, made as an administrator makes staff (the real password hash),
    for tests that call the staff actions without logging in."""
    with app.app_context():
        session = database.session
        return {
            name: Staff.of(
                create_user(
                    session,
                    f"{name}-{uuid.uuid4().hex[:8]}",
                    role,
                    PASSWORD,
                    SYSTEM,
                    full_name=f"Test {name.title()}",
                )
            )
            for name, role in ROLES.items()
        }


def switched_off(app) -> Staff:
    """A pharmacist whose account was switched off after logging in."""
    with app.app_context():
        session = database.session
        user = create_user(session, f"gone-{uuid.uuid4().hex[:8]}", "pharmacist", PASSWORD, SYSTEM)
        staff = Staff.of(user)
        session.get(User, user.id).active = False
        session.commit()
    return staff


class Desk:
    """A test client used as a person at a workstation: logs in, reads pages, posts forms
    with the CSRF token a page gave it."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._token: str | None = None

    def token(self) -> str:
        """The CSRF token of this session, read from a page as a browser's form has it."""
        if self._token is None:
            self._token = self.read_token("/login")
        return self._token

    def read_token(self, url: str) -> str:
        page = self.client.get(url, follow_redirects=True)
        return TOKEN.search(page.get_data(as_text=True)).group(1)

    def login(self, account: Account, password: str | None = None):
        response = self.client.post(
            "/login",
            data={
                "username": account.username,
                "password": password or account.password,
                "csrf_token": self.read_token("/login"),
            },
        )
        # The session is renewed at login, and its token with it: read the new one now,
        # so no later post reads a page (and writes an audit event) of its own.
        self._token = self.read_token("/") if response.status_code == 302 else None
        return response

    def get(self, url: str, **options):
        return self.client.get(url, **options)

    def post(self, url: str, data: dict | None = None, **options):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        return self.client.post(url, data=data, **options)
