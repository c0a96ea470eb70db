"""The one-statement write of a received order stays small enough for psycopg to keep
its parsed form and prepare it on the server; past that, every order pays a parse."""

from psycopg import _queries
from sqlalchemy.dialects import postgresql

from pharmacy.services.intake import received_rows


def test_the_order_write_fits_psycopgs_statement_cache():
    compiled = received_rows._statement().compile(dialect=postgresql.psycopg.dialect())
    assert len(str(compiled)) <= _queries.MAX_CACHED_STATEMENT_LENGTH
    assert len(set(compiled.binds)) <= _queries.MAX_CACHED_STATEMENT_PARAMS
