"""The landing page, sign-in and sign-out for the web pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep
from api.security import Principal
from api.throttle import LoginThrottleDep, client_address
from api.web.rendering import redirect, render
from api.web.session import (
    check_csrf,
    clear_session_cookie,
    cookie_secure,
    home_path,
    read_web_user,
    set_session_cookie,
)
from engine.store import accounts, credentials, jobs

router = APIRouter(include_in_schema=False)


@router.get("/")
def landing(request: Request, session: SessionDep) -> Response:
    """The user's home when signed in, else the login page."""
    user = read_web_user(request, session)
    return redirect(home_path(user) if user else "/login")


@router.get("/login")
def login_page(request: Request, session: SessionDep) -> Response:
    """The sign-in form (same accounts as the API)."""
    user = read_web_user(request, session)
    if user is not None:
        return redirect(home_path(user))
    return render(request, "login.html", {"user": None, "error": None})


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    throttle: LoginThrottleDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Check the password and set the session cookie (the signed access token)."""
    if not cookie_secure(request) and not settings.demo_mode:
        error = (
            "Signing in needs HTTPS (or this machine's own address, 127.0.0.1): put Cairn "
            "behind a TLS proxy and run uvicorn with --proxy-headers, or use demo mode."
        )
        return render(request, "login.html", {"user": None, "error": error}, status_code=400)
    client = client_address(request)
    wait = throttle.retry_after(username=username, client=client)
    if wait is not None:  # the same throttle as POST /auth/token (docs/security.md)
        error = f"Too many failed sign-ins: try again in {wait} s."
        context = {"user": None, "error": error, "username": username}
        refused = render(request, "login.html", context, status_code=429)
        refused.headers["Retry-After"] = str(wait)
        return refused
    user = accounts.authenticate_user(session, username=username, password=password)
    if user is None:
        throttle.record_failure(username=username, client=client)
        context = {"user": None, "error": "Wrong username or password.", "username": username}
        return render(request, "login.html", context, status_code=401)
    throttle.record_success(username=username)
    token = credentials.create_access_token(
        user_id=user.id,
        secret=request.app.state.secret_key,
        ttl_min=settings.token_ttl_min,
        now=jobs.utcnow(),
    )
    principal = Principal(
        kind="user",
        role=user.role,  # type: ignore[arg-type]
        subject=f"user:{user.id}",
        user_id=user.id,
        athlete_id=user.athlete_id,
    )
    response = redirect(home_path(principal))
    set_session_cookie(
        response,
        request,
        token=token,
        max_age=settings.token_ttl_min * 60,
        insecure_ok=settings.demo_mode,
    )
    return response


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout() -> Response:
    """Drop the session cookie."""
    response = redirect("/login")
    clear_session_cookie(response)
    return response
