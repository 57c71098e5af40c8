"""Deploy the BPMN and form files of the repository to the broker.

Zeebe ignores a resource whose content it already has, so deploying twice is harmless and only
changed files get a new version.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

import structlog
from pyzeebe import ZeebeClient, create_insecure_channel
from pyzeebe.errors import ZeebeDeadlineExceeded
from pyzeebe.grpc_internals.types import DeployResourceResponse

from api.logging import configure
from api.settings import Settings, get_settings

REPO = Path(__file__).resolve().parents[2]
RESOURCE_DIRS = (REPO / "bpmn", REPO / "forms")
SUFFIXES = (".bpmn", ".dmn", ".form")


def repository_resources() -> list[Path]:
    return sorted(
        path
        for folder in RESOURCE_DIRS
        if folder.exists()
        for path in folder.iterdir()
        if path.suffix in SUFFIXES
    )


DEPLOY_ATTEMPTS = 3


async def deploy(settings: Settings, paths: Sequence[Path]) -> list[tuple[str, int, int]]:
    """Deploy in one request (so a process and its forms land together).

    On a loaded machine the broker may answer after the gateway's request timeout (15 s): the
    deployment may still have been made. Deploying the same resources again is harmless (Zeebe
    keeps an unchanged resource at its version), so a timed-out request is sent again."""
    channel = create_insecure_channel(grpc_address=settings.zeebe_gateway)
    try:
        client = ZeebeClient(channel, max_connection_retries=3)
        for attempt in range(1, DEPLOY_ATTEMPTS + 1):
            try:
                response = await client.deploy_resource(*[str(p) for p in paths])
                break
            except ZeebeDeadlineExceeded:
                if attempt == DEPLOY_ATTEMPTS:
                    raise
        return [
            (item.bpmn_process_id, item.version, item.process_definition_key)
            for item in response.deployments
            if isinstance(item, DeployResourceResponse.ProcessMetadata)
        ]
    finally:
        await channel.close()


def main() -> int:
    settings = get_settings()
    configure(settings.log_format)
    log = structlog.get_logger("deploy")
    paths = repository_resources()
    if not paths:
        log.info("nothing to deploy")
        return 0
    for bpmn_id, version, key in asyncio.run(deploy(settings, paths)):
        log.info("deployed", bpmn_process_id=bpmn_id, version=version, key=key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
