"""Sign-in: exchange a username and password for a bearer token (OAuth2 password flow)."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import SessionDep, SettingsDep
from api.schemas import Token
from engine.store import accounts, credentials, jobs

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=Token)
def create_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Token:
    """A signed access token (JWT, HS256) valid for ``expires_in`` seconds."""
    user = accounts.authenticate_user(session, username=form.username, password=form.password)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = credentials.create_access_token(
        user_id=user.id,
        secret=request.app.state.secret_key,
        ttl_min=settings.token_ttl_min,
        now=jobs.utcnow(),
    )
    return Token(access_token=token, expires_in=settings.token_ttl_min * 60)
