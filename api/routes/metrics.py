"""Prometheus exposition (public: aggregate counters only, no personal data)."""

from fastapi import APIRouter, Request, Response

from api.metrics import MetricsDep

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def read_metrics(request: Request, metrics: MetricsDep) -> Response:
    """Latency per route, recommendations by type, degraded answers, model versions, imports."""
    metrics.set_model_versions(request.app.state.models.current().versions)
    payload, content_type = metrics.render()
    return Response(payload, media_type=content_type)
