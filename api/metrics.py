"""Prometheus metrics, one registry per app (built in the app factory, never at import).

Other routes increment through the ``MetricsDep`` dependency, e.g. an import route:
``metrics.import_rejections.labels(reason="validation").inc(n_rows)``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics:
    """The service's counters, histograms and gauges on a private registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.request_latency = Histogram(
            "cairn_http_request_duration_seconds",
            "Request latency by route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.requests = Counter(
            "cairn_http_requests",
            "Requests by route template and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.recommendations = Counter(
            "cairn_recommendations",
            "Recommendations served by session type.",
            ["session_type"],
            registry=r,
        )
        self.degraded_answers = Counter(
            "cairn_degraded_answers",
            "Recommendations answered by the rule-based fallback.",
            registry=r,
        )
        self.model_version = Gauge(
            "cairn_model_version",
            "Registry version served per model (0: none).",
            ["model"],
            registry=r,
        )
        self.import_rejections = Counter(
            "cairn_import_rejections",
            "Rows or files an import rejected, by reason.",
            ["reason"],
            registry=r,
        )
        self.idempotent_replays = Counter(
            "cairn_idempotent_replays",
            "POSTs answered from a stored Idempotency-Key record.",
            registry=r,
        )

    def observe_request(self, *, method: str, route: str, status: int, seconds: float) -> None:
        """Record one finished request (seconds)."""
        self.request_latency.labels(method=method, route=route).observe(seconds)
        self.requests.labels(method=method, route=route, status=str(status)).inc()

    def record_recommendation(self, *, session_type: str, degraded: bool) -> None:
        """Count a served recommendation."""
        self.recommendations.labels(session_type=session_type).inc()
        if degraded:
            self.degraded_answers.inc()

    def set_model_versions(self, versions: dict[str, int | None]) -> None:
        """Publish which registry versions are being served."""
        for name, version in versions.items():
            self.model_version.labels(model=name).set(version or 0)

    def record_import_rejection(self, *, reason: str, count: int = 1) -> None:
        """Count rejected import rows or files (for the imports route)."""
        self.import_rejections.labels(reason=reason).inc(count)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def get_metrics(request: Request) -> ApiMetrics:
    return request.app.state.metrics


MetricsDep = Annotated[ApiMetrics, Depends(get_metrics)]
