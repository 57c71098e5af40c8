"""`python -m adapters.simulators`: every contract simulator on one port (127.0.0.1 only).

Each simulator is a module with `create_app()` whose routes carry their own service path
(`/sf1520`, `/sf1601/...`); they are served side by side. Add a simulator by adding its module
to SIMULATORS.
"""

from __future__ import annotations

import argparse
import importlib

import uvicorn
from fastapi import FastAPI

SIMULATORS = (
    "adapters.cpr.simulator",
    "adapters.cpr.events",
    "adapters.digitalpost.simulator",
    "adapters.sf2900.simulator",
    "adapters.sf1470.simulator",
    "adapters.sf1510.simulator",
    "adapters.fkoeko.simulator",
    "adapters.sts.simulator",
    "adapters.dst.simulator",
)


def create_app() -> FastAPI:
    app = FastAPI(title="Contract simulators", openapi_url=None, docs_url=None, redoc_url=None)
    for name in SIMULATORS:
        simulator: FastAPI = importlib.import_module(name).create_app()
        app.router.routes.extend(simulator.router.routes)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Contract simulators (127.0.0.1 only)")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args(argv)
    print(f"Simulators on http://127.0.0.1:{args.port}/ ({', '.join(SIMULATORS)})", flush=True)
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, access_log=False)


if __name__ == "__main__":
    main()
