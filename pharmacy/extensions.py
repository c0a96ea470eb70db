"""Extensions, created here and bound to an app in `create_app`."""

from __future__ import annotations

from flask import Flask, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .database import make_engine, make_sessionmaker


class Database:
    """An engine per app, a session per request, closed when the request ends."""

    engine: Engine
    sessions: sessionmaker[Session]

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"], hide_parameters=True)
        self.sessions = make_sessionmaker(self.engine)
        app.extensions["database"] = self
        app.teardown_appcontext(self._close)

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.sessions()
        return g.db_session

    def _close(self, _error: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


database = Database()
