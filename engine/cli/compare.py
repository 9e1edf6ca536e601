"""``cairn models compare V1 V2``: two versions' holdout metrics and baselines side by side."""

from __future__ import annotations

import json
import math
from typing import Annotated

import typer
from rich.table import Table

from engine.cli.common import console, fail, load_settings
from engine.services import model_registry


def compare_versions(
    v1: Annotated[int, typer.Argument(min=1, help="First version.")],
    v2: Annotated[int, typer.Argument(min=1, help="Second version.")],
    target: Annotated[str, typer.Option(help="readiness or injury.")] = "readiness",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print two versions' holdout metrics (each on its own run's holdout) and baselines."""
    settings = load_settings()
    try:
        name = model_registry.model_name(settings, target=target)
    except ValueError as err:
        raise fail(f"--target: {err}", code=2) from err
    rows = {row["version"]: row for row in model_registry.list_versions(settings, name=name)}
    missing = [v for v in (v1, v2) if v not in rows]
    if missing:
        raise fail(f"{name} has no version(s) {missing} (known: {sorted(rows)})")
    picked = {v: rows[v] for v in (v1, v2)}
    if as_json:
        body = {
            str(v): {"aliases": r["aliases"], "run_id": r["run_id"], "metrics": r["metrics"]}
            for v, r in picked.items()
        }
        typer.echo(json.dumps({"name": name, "versions": body}))
        return
    keys = sorted(set(picked[v1]["metrics"]) | set(picked[v2]["metrics"]))
    keys = [k for k in keys if not k.startswith("validation_")] + [
        k for k in keys if k.startswith("validation_")
    ]
    table = Table(title=f"{name}: v{v1} vs v{v2}")
    table.add_column("metric")
    for v in (v1, v2):
        aliases = ", ".join(picked[v]["aliases"])
        table.add_column(f"v{v}" + (f" ({aliases})" if aliases else ""))
    for key in keys:
        table.add_row(key, *(_fmt(picked[v]["metrics"].get(key)) for v in (v1, v2)))
    console.print(table)


def _fmt(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.4f}"
