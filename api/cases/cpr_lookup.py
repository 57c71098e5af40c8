"""The SF1520 CPR client built from the settings, for the workers and for the intake page (which
looks the child up before anything is saved). One definition of the service agreement, the
token route and the audit of each call."""

from __future__ import annotations

from sqlalchemy import Engine

from adapters.cpr import CprClient, CprSettings, InvocationContext
from adapters.cpr.simulator import accepted_invocation_context
from api.audit.adapters import adapter_audit
from api.settings import Settings
from api.sts import token_provider


def cpr_client(settings: Settings, engine: Engine) -> CprClient:
    """A client on the configured endpoint and variant; each call leaves an audit row."""
    return CprClient(
        CprSettings(
            endpoint=settings.cpr_endpoint,
            variant=settings.cpr_variant,
            invocation_context=(
                _invocation_context(settings) if settings.cpr_variant == "context" else None
            ),
            token_provider=token_provider(settings, "sf1520"),
            timeout_seconds=settings.cpr_timeout_seconds,
        ),
        on_call=adapter_audit(engine, "sf1520"),
    )


def _invocation_context(settings: Settings) -> InvocationContext:
    """The municipality's service agreement, or the simulator's documented test context."""
    if settings.cpr_service_agreement_uuid is None:
        return accepted_invocation_context()
    return InvocationContext(
        service_agreement_uuid=settings.cpr_service_agreement_uuid,
        user_system_uuid=settings.cpr_user_system_uuid or "",
        user_uuid=settings.cpr_user_uuid or "",
        service_uuid=settings.cpr_service_uuid or "",
    )
