"""Extensions, created here and bound to an app in `create_app`."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass

from flask import Flask, current_app, g
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from .database import alone, make_engine, make_sessionmaker


@dataclass(frozen=True)
class _Bound:
    engine: Engine
    sessions: sessionmaker[Session]


class Database:
    """An engine per app, a session per request (or task), closed when it ends.

    The engine lives on the app, not here, so two apps (a test's and a worker's, say)
    never share one.
    """

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"], hide_parameters=True)
        app.extensions["database"] = _Bound(engine, make_sessionmaker(engine))
        app.teardown_appcontext(self._close)

    @staticmethod
    def bound(app: Flask) -> _Bound:
        return app.extensions["database"]

    @property
    def engine(self) -> Engine:
        return self.bound(current_app).engine

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.bound(current_app).sessions()
        return g.db_session

    def reading(self) -> AbstractContextManager[Connection]:
        """A connection for one read outside the request's transaction (`alone`)."""
        return alone(self.engine)

    def _close(self, _error: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


database = Database()
login_manager = LoginManager()  # dashboard sessions (pharmacy.dashboard.auth)
csrf = CSRFProtect()  # every dashboard form; the API blueprint is exempt (it takes keys)
