"""The FastAPI application: JSON API and server-rendered pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from api.admin.router import router as admin_router
from api.aktindsigt.router import router as aktindsigt_router
from api.audit.router import router as audit_router
from api.auth.router import router as auth_router
from api.cases.router import router as cases_router
from api.classification.router import router as classification_router
from api.db import make_engine, make_redis
from api.dst.router import router as dst_router
from api.engine.user_tasks import UserTasks
from api.errors import install as install_error_answers
from api.esdh.router import router as esdh_router
from api.figures.router import router as figures_router
from api.finance.budget_router import router as budget_router
from api.finance.router import router as finance_router
from api.logging import configure
from api.metrics.http import install as install_metrics
from api.modeler.router import router as modeler_router
from api.monitor.router import router as monitor_router
from api.platform.health import stack_health
from api.processes.router import router as processes_router
from api.retention.router import router as retention_router
from api.rules.router import router as rules_router
from api.settings import Settings, get_settings
from api.sso.config import check_startup
from api.sso.router import router as sso_router
from api.tasks.router import router as tasks_router
from api.tilbud.router import router as tilbud_router
from api.transfers.router import router as transfers_router
from api.underretninger.router import router as underretninger_router
from api.web.app import install as install_pages
from api.web.headers import SecurityHeaders


def health_dep(request: Request) -> dict[str, Any]:
    state = request.app.state
    return stack_health(state.settings, state.engine, state.redis)


Health = Annotated[dict[str, Any], Depends(health_dep)]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # Production without SSO, with the development users or with a test secret does not start.
    check_startup(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure(settings.log_format)
        app.state.settings = settings
        app.state.engine = make_engine(settings)
        app.state.redis = make_redis(settings)
        app.state.user_tasks = UserTasks(settings.zeebe_rest_url)
        yield
        app.state.user_tasks.close()
        app.state.engine.dispose()
        app.state.redis.close()

    app = FastAPI(title="Børnesag", lifespan=lifespan)
    for router in (
        auth_router,
        underretninger_router,
        tasks_router,
        cases_router,
        monitor_router,
        processes_router,
        rules_router,
        aktindsigt_router,
        esdh_router,
        dst_router,
        transfers_router,
        classification_router,
        modeler_router,
        finance_router,
        tilbud_router,
        admin_router,
        audit_router,
        budget_router,
        figures_router,
        retention_router,
    ):
        app.include_router(router)

    @app.get("/health")
    def health(result: Health) -> JSONResponse:
        return JSONResponse(result, status_code=200 if result["status"] == "UP" else 503)

    install_metrics(app, settings.metrics_token.get_secret_value())

    install_pages(app)
    install_error_answers(app)
    app.include_router(sso_router)
    app.add_middleware(SecurityHeaders, https=settings.base_url.startswith("https://"))

    return app
