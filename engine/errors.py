"""Domain errors. Each subclasses a builtin so callers can catch broadly."""


class AthleteNotFoundError(LookupError):
    """No athlete with the given id."""

    def __init__(self, athlete_id: int) -> None:
        super().__init__(f"athlete {athlete_id} not found")
        self.athlete_id = athlete_id


class ModelUnavailableError(RuntimeError):
    """A registered model could not be loaded (registry missing, alias unset, load failed)."""


class InsufficientDataError(ValueError):
    """There is not enough data to train or evaluate (names what is missing)."""


class InvalidRulesError(ValueError):
    """Optimizer rules (guard rails or objective weights) are out of range (names the field)."""


class InsecureSettingsError(ValueError):
    """The configuration is unsafe to serve with (e.g. no signing secret outside demo mode)."""


class InvalidCredentialsError(ValueError):
    """A password, access token or API key did not verify."""


class JobConflictError(RuntimeError):
    """A job of the same kind is already queued or running (names its id)."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"a training job is already active: {job_id}")
        self.job_id = job_id


class IdempotencyKeyReusedError(ValueError):
    """An ``Idempotency-Key`` was sent again with a different request."""
