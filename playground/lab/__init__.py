"""The lab: a uvicorn server, in its own process, that runs only the scenario endpoints."""
