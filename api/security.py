"""Who is calling, and may they reach this athlete? (bearer JWTs and per-athlete API keys)

``require_athlete_access`` is attached to every protected router in ``api.main``: it demands
a credential (401), and when the path has ``{athlete_id}`` it answers 404 for athletes the
caller may not see, so their existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer

from api.deps import MAX_DB_ID, SessionDep
from engine.errors import InvalidCredentialsError
from engine.store import account_admin, accounts, credentials

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
ATHLETE_PREFIX = "/athletes/{athlete_id}"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SUBSCRIBABLE_SUFFIXES = (".ics",)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a user (athlete, coach, admin) or an athlete's API key."""

    kind: Literal["user", "api_key"]
    role: Literal["athlete", "coach", "admin", "api_key"]
    subject: str
    user_id: int | None = None
    athlete_id: int | None = None
    scopes: frozenset[str] = frozenset()


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def _not_found(athlete_id: int) -> HTTPException:
    # Same words as AthleteNotFoundError: a hidden athlete looks exactly like a missing one.
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"athlete {athlete_id} not found")


def _principal_from_key(session: SessionDep, token: str) -> Principal:
    key = accounts.read_api_key(session, key=token)
    if key is None:
        raise _unauthorized("unknown or revoked API key")
    if not account_admin.athlete_login_active(session, athlete_id=key.athlete_id):
        raise _unauthorized("the athlete's account is deactivated")
    return Principal(
        kind="api_key",
        role="api_key",
        subject=f"key:{key.key_id}",
        athlete_id=key.athlete_id,
        scopes=frozenset(key.scopes.split()),
    )


def _principal_from_jwt(request: Request, session: SessionDep, token: str) -> Principal:
    try:
        claims = credentials.decode_access_token(token, secret=request.app.state.secret_key)
    except InvalidCredentialsError as err:
        raise _unauthorized("invalid or expired token") from err
    user = accounts.read_user(session, user_id=claims.user_id)
    if user is None or not user.is_active:
        raise _unauthorized("invalid or expired token")
    return Principal(
        kind="user",
        role=user.role,  # type: ignore[arg-type]
        subject=f"user:{user.id}",
        user_id=user.id,
        athlete_id=user.athlete_id,
    )


def get_principal(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    """The caller behind ``Authorization: Bearer <token or API key>``; 401 without one."""
    if not token:
        token = _subscription_token(request)
    if not token:
        raise _unauthorized("missing bearer token")
    if token.startswith(credentials.API_KEY_PREFIX):
        principal = _principal_from_key(session, token)
    else:
        principal = _principal_from_jwt(request, session, token)
    request.scope["cairn.principal"] = principal.subject
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def _subscription_token(request: Request) -> str | None:
    """An API key sent as ``?token=`` on a feed that calendar apps subscribe to (``.ics``).

    Calendar apps cannot send headers; nowhere else is a credential read from the URL, and
    only API keys (never sign-in tokens) are accepted there.
    """
    route = request.scope.get("route")
    token = request.query_params.get("token")
    if not token or not getattr(route, "path", "").endswith(SUBSCRIBABLE_SUFFIXES):
        return None
    return token if token.startswith(credentials.API_KEY_PREFIX) else None


def required_scope(method: str, route_path: str) -> str:
    """The API-key scope a route needs: ``<first segment after the athlete>:<read|write>``.

    ``POST /athletes/{athlete_id}/sessions`` needs ``sessions:write``;
    ``GET /athletes/{athlete_id}`` needs ``profile:read``; ``GET .../plan.ics`` needs
    ``plan_ics:read`` (dots and dashes become underscores).
    """
    rest = route_path.removeprefix(ATHLETE_PREFIX).strip("/")
    resource = rest.split("/", 1)[0].replace(".", "_").replace("-", "_") or "profile"
    return f"{resource}:{'read' if method.upper() in READ_METHODS else 'write'}"


def _may_see(session: SessionDep, principal: Principal, athlete_id: int) -> bool:
    if principal.role == "admin":
        return True
    if principal.role == "coach":
        assert principal.user_id is not None
        return accounts.is_linked(session, coach_id=principal.user_id, athlete_id=athlete_id)
    return principal.athlete_id == athlete_id


def require_athlete_access(request: Request, principal: PrincipalDep, session: SessionDep) -> None:
    """401 without a credential; 404 for an athlete the caller may not see; 403 when an API
    key lacks the route's scope or the route is not about one athlete."""
    raw = request.path_params.get("athlete_id")
    if raw is None:
        if principal.kind == "api_key":
            raise HTTPException(status.HTTP_403_FORBIDDEN, "API keys reach one athlete's routes")
        return
    try:
        athlete_id = int(raw)
    except ValueError:
        return  # the route's own validation answers 422
    if not 1 <= athlete_id <= MAX_DB_ID or not _may_see(session, principal, athlete_id):
        raise _not_found(athlete_id)
    if principal.kind == "api_key":
        route = request.scope.get("route")
        needed = required_scope(request.method, getattr(route, "path", request.url.path))
        if needed not in principal.scopes:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this API key lacks scope {needed}")


def require_admin(principal: PrincipalDep) -> Principal:
    """Only admins manage models and jobs (403 for everyone else)."""
    if principal.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin only")
    return principal


def require_staff(principal: PrincipalDep) -> Principal:
    """Admins and coaches (403 for athletes and API keys)."""
    if principal.role not in ("admin", "coach"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins and coaches only")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]
StaffDep = Annotated[Principal, Depends(require_staff)]
