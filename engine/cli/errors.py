"""Running ``cairn`` so that a person's mistake is one ``Error: ...`` line, never a traceback.

Exit codes (docs/cli.md): 0 done; 1 the command could not do it (unknown athlete, nothing to
write, a rejected file, a database that cannot be opened); 2 usage error (unknown option,
invalid value, missing option); 130 interrupted. A traceback means a bug in Cairn.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _error(message: str) -> None:
    print(f"Error: {message}", file=sys.stderr)


def _settings_error(err: ValidationError) -> str:
    first = err.errors()[0]
    name = "_".join(str(part) for part in first.get("loc", ())).upper()
    where = f"setting CAIRN_{name}" if name else "settings"
    return f"{where}: {first.get('msg', 'invalid')}; fix the environment variable"


def run_cli(app: typer.Typer, args: Sequence[str]) -> int:
    """Run the command line with ``args`` and return the exit code."""
    try:
        result = app(args=list(args), prog_name="cairn", standalone_mode=False)
    except typer.TyperException as err:  # click's usage errors (typer vendors click)
        ctx = getattr(err, "ctx", None)
        if type(err).__name__ == "NoArgsIsHelpError" and ctx is not None:
            print(ctx.get_help(), file=sys.stderr)
            return EXIT_USAGE
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        _error(f"{err.format_message()}{hint}")
        return int(getattr(err, "exit_code", EXIT_USAGE))
    except typer.Abort:
        _error("aborted")
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except ValidationError as err:  # Settings from CAIRN_* variables
        _error(_settings_error(err))
        return EXIT_USAGE
    except OperationalError as err:
        _error(f"cannot use the database: {err.orig}; check CAIRN_DATABASE_URL")
        return EXIT_FAILED
    return result if isinstance(result, int) else EXIT_OK
