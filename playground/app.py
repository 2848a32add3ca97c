"""The playground's app factory: the page, the API, the run store and the lab it supervises."""

from __future__ import annotations

import asyncio
import logging
import webbrowser
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from playground import __version__
from playground.api import api_router
from playground.errors import ErrorPages
from playground.guard import Guard, HostRule
from playground.lesson_pages import lessons_router
from playground.pages import pages_router
from playground.runs import RunManager
from playground.series import SeriesRunner
from playground.settings import Settings
from playground.store import RunRecord, RunStore
from playground.supervisor import LabSupervisor
from playground.templating import asset_dir, make_templates

log = logging.getLogger("playground")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    store = RunStore(settings.db_path)
    lab = LabSupervisor(settings.lab, start_timeout_s=settings.lab_start_timeout_s)
    runs = RunManager(
        store, lab, request_timeout_s=settings.request_timeout_s, deadline_s=settings.run_deadline_s
    )
    series_runner = SeriesRunner(runs, store)
    templates = make_templates()

    def render_summary(record: RunRecord) -> str:
        return templates.get_template("_summary.html").render(record=record)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await store.open()  # the CLI has taken the port and checked the database by now
        try:
            interrupted = await store.mark_interrupted()
            if interrupted:
                log.warning("marked %d run(s) left in flight as interrupted", interrupted)
            await lab.start()
            await runs.spawn_spare()  # the first run, too, finds its harness ready
        except BaseException:
            await store.close()  # an open store's thread would keep the process alive
            raise
        if settings.open_browser:
            asyncio.get_running_loop().call_later(0.5, webbrowser.open, settings.url)
        try:
            yield
        finally:  # on SIGTERM or Ctrl-C: a run in flight is stored interrupted, with its rows
            await series_runner.close()
            await runs.close()
            await lab.stop()
            await store.close()

    app = FastAPI(title="Async Playground", version=__version__, lifespan=lifespan)
    errors = ErrorPages(templates)
    errors.install(app)
    app.add_middleware(
        Guard, hosts=HostRule(settings.host, settings.port), respond=errors.for_error
    )
    app.mount("/static", StaticFiles(directory=asset_dir("static")), name="static")
    app.include_router(
        api_router(
            store=store,
            runs=runs,
            series_runner=series_runner,
            lab=lab,
            render_summary=render_summary,
        )
    )
    app.include_router(
        pages_router(
            templates=templates, store=store, runs=runs, series_runner=series_runner, lab=lab
        )
    )
    app.include_router(lessons_router(templates=templates, store=store, lab=lab))
    return app
