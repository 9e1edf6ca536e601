"""Passwords, tokens, API keys and scopes (pure functions)."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import InvalidCredentialsError
from engine.store import credentials

SECRET = "s" * 40
NOW = dt.datetime(2025, 9, 1, 12, 0, tzinfo=dt.UTC)


def test_password_hash_verifies_only_the_password() -> None:
    hashed = credentials.hash_password("pw-123456")
    assert hashed.startswith("$argon2id$") and "pw-123456" not in hashed
    assert credentials.verify_password("pw-123456", hashed)
    assert not credentials.verify_password("pw-1234567", hashed)
    assert not credentials.verify_password("pw-123456", None)
    assert not credentials.verify_password("pw-123456", "not-a-hash")


def test_token_round_trip_and_expiry() -> None:
    token = credentials.create_access_token(user_id=7, secret=SECRET, ttl_min=5, now=NOW)
    # a token issued now and checked now verifies; pyjwt checks exp against the clock
    fresh = credentials.create_access_token(
        user_id=7, secret=SECRET, ttl_min=5, now=dt.datetime.now(dt.UTC)
    )
    assert credentials.decode_access_token(fresh, secret=SECRET).user_id == 7
    with pytest.raises(InvalidCredentialsError):
        credentials.decode_access_token(token, secret=SECRET)  # expired long ago
    with pytest.raises(InvalidCredentialsError):
        credentials.decode_access_token(fresh, secret="t" * 40)


def test_api_key_shape_and_hash() -> None:
    key, key_id, key_hash = credentials.generate_api_key()
    parsed = credentials.split_api_key(key)
    assert parsed is not None and parsed[0] == key_id
    assert credentials.api_secret_matches(parsed[1], key_hash)
    assert not credentials.api_secret_matches(parsed[1] + "x", key_hash)
    assert credentials.split_api_key("cairn_short_x") is None
    assert credentials.split_api_key("eyJhbGciOi.jwt") is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["sessions:write"], ["sessions:write"]),
        (["sessions:write wellness:write", "sessions:write"], ["sessions:write", "wellness:write"]),
    ],
)
def test_scopes_are_parsed_and_deduplicated(given: list[str], expected: list[str]) -> None:
    assert credentials.parse_scopes(given) == expected


@pytest.mark.parametrize("bad", [[], ["sessions"], ["sessions:delete"], ["*:write"]])
def test_bad_scopes_are_refused(bad: list[str]) -> None:
    with pytest.raises(ValueError, match="scopes"):
        credentials.parse_scopes(bad)
