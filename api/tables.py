"""Imports every case-store table module, so the metadata (and Alembic) knows them all."""

from api.admin import tables as admin_tables
from api.audit import tables as audit_tables
from api.auth import tables as auth_tables
from api.cases import tables as case_tables
from api.classification import tables as classification_tables
from api.dst import tables as dst_tables
from api.esdh import tables as esdh_tables
from api.figures import tables as figures_tables
from api.finance import budget_tables
from api.finance import tables as finance_tables
from api.model import metadata
from api.modeler import tables as modeler_tables
from api.monitor import tables as monitor_tables
from api.org import tables as org_tables
from api.retention import tables as retention_tables
from api.tilbud import tables as tilbud_tables
from api.transfers import tables as transfer_tables
from api.web import tables as web_tables

__all__ = [
    "admin_tables",
    "audit_tables",
    "auth_tables",
    "budget_tables",
    "case_tables",
    "classification_tables",
    "dst_tables",
    "esdh_tables",
    "figures_tables",
    "finance_tables",
    "metadata",
    "modeler_tables",
    "monitor_tables",
    "org_tables",
    "retention_tables",
    "tilbud_tables",
    "transfer_tables",
    "web_tables",
]
