"""Input and output of the intake endpoint."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.cases.cpr import CprNumber


class UnderretningIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    child_cpr: str | None = Field(default=None, description="Barnets CPR-nummer")
    unborn: bool = Field(default=False, description="Underretning om et ufødt barn")
    mother_cpr: str | None = Field(default=None, description="Moderens CPR-nummer (ufødt barn)")
    expected_birth_date: date | None = None
    received_at: datetime = Field(description="Modtaget (tidspunkt med tidszone)")
    reporter_type: Literal["professional", "private", "anonymous"]
    reporter_name: str | None = Field(default=None, max_length=200)
    reporter_organisation: str | None = Field(default=None, max_length=200)
    reporter_email: str | None = Field(default=None, max_length=200)
    reporter_cvr: str | None = Field(
        default=None,
        pattern=r"^\d{8}$",
        description="Arbejdspladsens CVR-nummer: kvittering og orientering sendes med Digital Post",
    )
    concern: str = Field(min_length=10, max_length=20_000, description="Bekymringen")
    concerns_abuse: bool = False

    @field_validator("child_cpr", "mother_cpr")
    @classmethod
    def valid_cpr(cls, value: str | None) -> str | None:
        return None if value is None else CprNumber(value).value

    @field_validator("received_at")
    @classmethod
    def aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("tidspunktet skal have en tidszone / must carry a time zone")
        return value

    @model_validator(mode="after")
    def child_or_unborn(self) -> UnderretningIn:
        if self.unborn:
            if not self.mother_cpr:
                raise ValueError("et ufødt barn modtages på moderens CPR-nummer (mother_cpr)")
            if self.child_cpr:
                raise ValueError("et ufødt barn har intet CPR-nummer (child_cpr skal udelades)")
        elif not self.child_cpr:
            raise ValueError("barnets CPR-nummer mangler (child_cpr)")
        if self.reporter_type == "professional" and not self.reporter_organisation:
            raise ValueError("en fagperson skal angive sin arbejdsplads (reporter_organisation)")
        return self


class UnderretningCreated(BaseModel):
    case_id: uuid.UUID
    underretning_id: uuid.UUID
    # Known once the engine has started the instance and the read model shows it; null if the
    # broker is unreachable right now (the start is queued and happens exactly once).
    process_instance_key: str | None
