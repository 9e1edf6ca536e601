"""Sign-in: exchange a username and password for a bearer token (OAuth2 password flow)."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import SessionDep, SettingsDep
from api.schemas import ErrorBody, Token
from api.throttle import LoginThrottleDep, client_address, too_many_attempts
from engine.store import accounts, credentials, jobs

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token",
    response_model=Token,
    responses={429: {"model": ErrorBody, "description": "Too many failed sign-ins"}},
)
def create_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    throttle: LoginThrottleDep,
) -> Token:
    """A signed access token (JWT, HS256) valid for ``expires_in`` seconds.

    Throttled: too many failures for the username or from the client answer 429."""
    client = client_address(request)
    wait = throttle.retry_after(username=form.username, client=client)
    if wait is not None:
        raise too_many_attempts(wait)
    user = accounts.authenticate_user(session, username=form.username, password=form.password)
    if user is None:
        throttle.record_failure(username=form.username, client=client)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    throttle.record_success(username=form.username)
    token = credentials.create_access_token(
        user_id=user.id,
        secret=request.app.state.secret_key,
        ttl_min=settings.token_ttl_min,
        now=jobs.utcnow(),
    )
    return Token(access_token=token, expires_in=settings.token_ttl_min * 60)
