"""Staff passwords: long enough, never too long to check, and not guessable."""

import pytest

from pharmacy.domain.passwords import MAX_CHARS, password_problem


@pytest.mark.parametrize(
    "password",
    ["password123", "Password1234", "qwertyuiop", "1234567890", "iloveyou12", "letmein2024!"],
)
def test_common_passwords_are_refused(password):
    assert "too easy to guess" in password_problem(password)


def test_a_password_built_on_the_username_is_refused():
    assert password_problem("pharmacist2026", personal=["pharmacist"]) is not None


@pytest.mark.parametrize("password", ["short", "x" * (MAX_CHARS + 1)])
def test_the_length_is_bounded_both_ways(password):
    assert "characters" in password_problem(password)


@pytest.mark.parametrize(
    "password", ["verify-every-capsule", "correct horse battery staple", "Bx7#qL9!mW2z"]
)
def test_uncommon_passphrases_are_accepted(password):
    assert password_problem(password, personal=["pat"]) is None
