"""Turning HTML form fields into the API's request models (same validation as the API)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from api.schemas import SessionCreate

CHECKBOXES = frozenset({"pain", "illness"})
NOT_FIELDS = frozenset({"csrf_token"})

M = TypeVar("M", bound=BaseModel)


async def read_form(request: Request) -> FormData:
    """The posted form (parsed once; the CSRF check has read it already)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]


def form_values(form: FormData | Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """The model's fields from a form: blanks dropped, checkboxes as booleans."""
    out: dict[str, Any] = {}
    for name in model.model_fields:
        if name in CHECKBOXES:
            out[name] = form.get(name) in ("on", "true", "1")
            continue
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            out[name] = value.strip()
    return out


def parse_form(form: FormData | Mapping[str, Any], model: type[M]) -> tuple[M | None, list[str]]:
    """(the validated model, []) or (None, one message per bad field)."""
    try:
        return model.model_validate(form_values(form, model)), []
    except ValidationError as err:
        return None, [
            f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in err.errors()
        ]


def session_values(body: SessionCreate) -> dict[str, Any]:
    """Stored values of a session logged by hand (the API's ``external_id`` scheme)."""
    values = body.model_dump(exclude={"sets"})
    digest = hashlib.sha256(json.dumps(values, default=str, sort_keys=True).encode()).hexdigest()
    return values | {"source": "manual", "external_id": f"api-{digest[:32]}"}
