"""Working-day arithmetic for deadlines in hverdage/arbejdsdage (Danish public administration)."""

from api.calendar.holidays import WorkingCalendar
from api.calendar.working_days import COPENHAGEN, add_working_days, deadline_date

__all__ = ["COPENHAGEN", "WorkingCalendar", "add_working_days", "deadline_date"]
