"""Accounts, for admins: list users, (de)activate, set a password, unlink a coach.

The same operations as ``cairn users list|deactivate|activate|password|unlink``
(``engine.store.account_admin``). Everyone else gets 403. A deactivated user's tokens are refused
on their next request, and so are the API keys of an athlete whose logins are all off.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.deps import MAX_DB_ID, SessionDep
from api.security import AdminDep
from engine.store import account_admin, accounts

router = APIRouter(prefix="/users", tags=["users"])
Username = Annotated[
    str, Path(min_length=3, max_length=80, pattern=accounts.USERNAME_PATTERN.pattern)
]


class UserPublic(BaseModel):
    id: int
    username: str
    role: str
    athlete_id: int | None
    is_active: bool
    linked_athletes: list[int] = Field(description="Athletes a coach is linked to.")


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class UserUpdate(BaseModel):
    """What an admin may change; at least one field."""

    model_config = ConfigDict(extra="forbid")
    is_active: bool | None = Field(default=None, description="false: tokens stop at once.")
    password: str | None = Field(
        default=None, min_length=accounts.MIN_PASSWORD_LENGTH, max_length=1024
    )

    @model_validator(mode="after")
    def _something(self) -> UserUpdate:
        if self.is_active is None and self.password is None:
            raise ValueError("give is_active or password")
        return self


def _public(record: account_admin.UserRecord) -> UserPublic:
    return UserPublic.model_validate(record.to_dict())


def _missing(err: LookupError) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, str(err).strip("'\""))


@router.get("", response_model=UsersPublic)
def read_users(
    _: AdminDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_DB_ID)] = 0,
) -> UsersPublic:
    """Every account (never a password hash), by id."""
    records, total = account_admin.read_users_page(session, limit=limit, offset=offset)
    return UsersPublic(data=[_public(r) for r in records], count=total)


@router.get("/{username}", response_model=UserPublic)
def read_user(username: Username, _: AdminDep, session: SessionDep) -> UserPublic:
    """One account."""
    try:
        return _public(account_admin.read_user_record(session, username=username))
    except LookupError as err:
        raise _missing(err) from err


@router.patch("/{username}", response_model=UserPublic)
def update_user(
    username: Username, body: UserUpdate, _: AdminDep, session: SessionDep
) -> UserPublic:
    """Deactivate or reactivate an account, or set its password."""
    try:
        if body.password is not None:
            account_admin.set_password(session, username=username, password=body.password)
        if body.is_active is not None:
            account_admin.set_active(session, username=username, active=body.is_active)
        return _public(account_admin.read_user_record(session, username=username))
    except LookupError as err:
        raise _missing(err) from err


@router.delete(
    "/{username}/links/{linked_athlete_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
def delete_link(
    username: Username,
    linked_athlete_id: Annotated[int, Path(ge=1, le=MAX_DB_ID)],
    _: AdminDep,
    session: SessionDep,
) -> Response:
    """Unlink a coach from an athlete (404 when they are not linked)."""
    try:
        account_admin.unlink_coach(session, username=username, athlete_id=linked_athlete_id)
    except LookupError as err:
        raise _missing(err) from err
    return Response(status_code=status.HTTP_204_NO_CONTENT)
