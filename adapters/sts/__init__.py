"""OIOIDWS: SAML tokens from a security token service (KOMBIT's STS) and the WS-Security that
secures each SOAP call with them. See README.md."""

from adapters.sts.client import StsClient, StsSettings
from adapters.sts.wssecurity import Credentials, IssuedToken, load_certificate

__all__ = ["Credentials", "IssuedToken", "StsClient", "StsSettings", "load_certificate"]
