"""Browser sign-in for the web pages: a session cookie and CSRF protection.

The session cookie ``cairn_session`` holds the same signed access token as ``POST /auth/token``
(HttpOnly, SameSite=Strict, Secure over HTTPS and on loopback hosts). Form posts carry a
``csrf_token`` field (htmx sends it as the ``X-CSRF-Token`` header) that must equal the
``cairn_csrf`` cookie (double-submit); SameSite=Strict already keeps other sites' requests
from carrying the session. Pages for one athlete answer 404 to callers who may not see them.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response, status

from api.deps import SessionDep
from api.security import Principal
from engine.errors import InvalidCredentialsError
from engine.store import accounts, credentials

SESSION_COOKIE = "cairn_session"
CSRF_COOKIE = "cairn_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class LoginRequired(Exception):
    """Raised by page dependencies without a valid session; answered with a redirect."""


def cookie_secure(request: Request) -> bool:
    """Secure cookies over HTTPS, and on loopback (browsers accept them on http://localhost)."""
    return request.url.scheme == "https" or (request.url.hostname or "") in LOOPBACK


def set_session_cookie(
    response: Response, request: Request, *, token: str, max_age: int, insecure_ok: bool = False
) -> None:
    """Set the session cookie: Secure, except over plain HTTP when ``insecure_ok`` (demo mode
    on a LAN address, where a browser would drop a Secure cookie)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        secure=cookie_secure(request) or not insecure_ok,
        samesite="strict",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_token(request: Request) -> str:
    """The request's CSRF token (from the cookie, or a new one to be set on the answer)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if token is None:
        token = request.state.new_csrf = secrets.token_urlsafe(32)
    return token


def set_csrf_cookie(response: Response, request: Request) -> None:
    """Set the CSRF cookie when this request created the token (not a credential: it is also
    set over plain HTTP, so the sign-in page can explain that HTTPS is needed)."""
    token = getattr(request.state, "new_csrf", None)
    if token is not None:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            secure=cookie_secure(request),
            samesite="strict",
            path="/",
        )


def csrf_matches(request: Request, sent: str | None) -> bool:
    """The sent token equals the CSRF cookie (constant-time)."""
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie and sent and hmac.compare_digest(cookie, sent))


async def check_csrf(request: Request) -> None:
    """403 unless the form field or header equals the CSRF cookie (double submit)."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not csrf_matches(request, sent):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token")


def read_web_user(request: Request, session: SessionDep) -> Principal | None:
    """The signed-in user behind the session cookie, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        claims = credentials.decode_access_token(token, secret=request.app.state.secret_key)
    except InvalidCredentialsError:
        return None
    user = accounts.read_user(session, user_id=claims.user_id)
    if user is None or not user.is_active:
        return None
    return Principal(
        kind="user",
        role=user.role,  # type: ignore[arg-type]
        subject=f"user:{user.id}",
        user_id=user.id,
        athlete_id=user.athlete_id,
    )


def require_web_user(request: Request, session: SessionDep) -> Principal:
    """The signed-in user; without one the page redirects to the login page."""
    user = read_web_user(request, session)
    if user is None:
        raise LoginRequired
    request.scope["cairn.principal"] = user.subject
    return user


WebUserDep = Annotated[Principal, Depends(require_web_user)]


def may_see(session: SessionDep, user: Principal, athlete_id: int) -> bool:
    """Admins see everyone, coaches their linked athletes, athletes themselves."""
    if user.role == "admin":
        return True
    if user.role == "coach" and user.user_id is not None:
        return accounts.is_linked(session, coach_id=user.user_id, athlete_id=athlete_id)
    return user.athlete_id == athlete_id


def require_athlete_page(athlete_id: int, user: WebUserDep, session: SessionDep) -> int:
    """The athlete id of a page the user may see (404 otherwise, as in the API)."""
    if not may_see(session, user, athlete_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"athlete {athlete_id} not found")
    return athlete_id


AthletePageDep = Annotated[int, Depends(require_athlete_page)]


def home_path(user: Principal) -> str:
    """Where a user lands after signing in."""
    if user.role == "admin":
        return "/app/admin"
    if user.role == "coach":
        return "/app/coach"
    if user.athlete_id is not None:
        return f"/app/athletes/{user.athlete_id}"
    return "/app/none"
