"""The error vocabulary every adapter speaks, so raw zeep, httpx or lxml errors never leak out.

Workers turn `NotFound` and `Rejected` into BPMN errors (business outcomes) and let `Unavailable`
and `ContractViolation` fail the job, so that it is retried and ends as an incident.
"""

from __future__ import annotations


class AdapterError(Exception):
    """Base class of every error an adapter raises."""


class NotFound(AdapterError):
    """The other system does not know the thing we asked for."""


class Rejected(AdapterError):
    """The other system understood the request and refused it (a business rejection)."""


class Unavailable(AdapterError):
    """A technical failure that may pass: connection refused, timeout, HTTP 5xx. Retryable."""


class ContractViolation(AdapterError):
    """The other side answered something that breaks the contract (XSD) or cannot be parsed."""
