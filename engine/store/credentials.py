"""Passwords (argon2id), access tokens (JWT HS256), API keys and the signing secret.

Pure functions except ``load_secret_key``, which may create ``<data dir>/secret_key`` in demo mode.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engine.errors import InsecureSettingsError, InvalidCredentialsError
from engine.settings import Settings

ROLES = ("athlete", "coach", "admin")
API_KEY_PREFIX = "cairn_"
SCOPE_PATTERN = re.compile(r"^[a-z][a-z_]{0,39}:(read|write)$")
SECRET_FILE = "secret_key"
_ALGORITHM = "HS256"
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class TokenClaims:
    """What a verified access token says: the user id and its expiry (UTC)."""

    user_id: int
    expires_at: dt.datetime


@functools.cache
def _dummy_hash() -> str:
    """A valid hash of a random password: unknown users cost as much as wrong passwords."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash (salted, with the library's recommended cost)."""
    return _HASHER.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when ``password`` matches; costs the same when there is no user (``None``)."""
    try:
        return (
            _HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def create_access_token(*, user_id: int, secret: str, ttl_min: int, now: dt.datetime) -> str:
    """A signed JWT for ``user_id`` that expires ``ttl_min`` minutes after ``now`` (UTC)."""
    claims = {
        "sub": str(user_id),
        "iat": now,
        "exp": now + dt.timedelta(minutes=ttl_min),
        "typ": "access",
    }
    import jwt  # imported when used: it pulls in cryptography (0.2 s on every CLI start)

    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> TokenClaims:
    """Verify signature, expiry and type; raise ``InvalidCredentialsError`` otherwise."""
    import jwt

    try:
        claims = jwt.decode(
            token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "iat"]}
        )
        if claims.get("typ") != "access":
            raise InvalidCredentialsError("not an access token")
        expires = dt.datetime.fromtimestamp(claims["exp"], tz=dt.UTC)
        return TokenClaims(user_id=int(claims["sub"]), expires_at=expires)
    except (jwt.PyJWTError, ValueError, TypeError) as err:
        raise InvalidCredentialsError(f"invalid token: {err}") from err


def generate_api_key() -> tuple[str, str, str]:
    """A new key: (full key to hand out once, public key id, SHA-256 hex of the secret part)."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return f"{API_KEY_PREFIX}{key_id}_{secret}", key_id, hash_api_secret(secret)


def split_api_key(key: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    key_id, sep, secret = key[len(API_KEY_PREFIX) :].partition("_")
    if not sep or len(key_id) != 16 or not secret:
        return None
    return key_id, secret


def hash_api_secret(secret: str) -> str:
    """SHA-256 hex; keys are 256-bit random, so a slow hash adds nothing."""
    return hashlib.sha256(secret.encode()).hexdigest()


def api_secret_matches(secret: str, key_hash: str) -> bool:
    """Constant-time comparison of a presented secret with the stored hash."""
    return hmac.compare_digest(hash_api_secret(secret), key_hash)


def parse_scopes(values: list[str] | str) -> list[str]:
    """Validated, de-duplicated scopes (``resource:read|write``); raises ``ValueError``."""
    items = values.split() if isinstance(values, str) else [v for s in values for v in s.split()]
    bad = [s for s in items if not SCOPE_PATTERN.match(s)]
    if bad or not items:
        raise ValueError(f"scopes must look like 'sessions:write'; got {bad or 'none'}")
    return sorted(set(items))


def _read_or_create_secret(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)  # atomic: the first process to get here wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def load_secret_key(settings: Settings) -> str:
    """The token-signing secret: ``CAIRN_SECRET_KEY``, or in demo mode a random one kept in
    ``<data dir>/secret_key``. Outside demo mode an empty secret raises ``InsecureSettingsError``.
    """
    configured = settings.secret_key.get_secret_value()
    if configured:
        return configured
    if not settings.demo_mode:
        raise InsecureSettingsError(
            "CAIRN_SECRET_KEY is not set. Set it to a random string of 32+ characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))'), or run locally "
            "in demo mode (cairn serve --demo, or CAIRN_DEMO_MODE=true)."
        )
    return _read_or_create_secret(settings.data_dir / SECRET_FILE)
