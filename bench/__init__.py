"""Benchmarks of the playground: its measurements checked against wrk and Locust, its own costs.

Run from the repository root with the project's venv: `python -m bench` (every benchmark,
about 17 minutes) or `python -m bench --smoke` (tiny sizes, a minute or so). It
installs what it compares against by itself: wrk from Debian's packages, Locust into
bench/.venv-locust. Every load goes to 127.0.0.1 only. The figures and how to read them are in
docs/benchmarks.md.
"""
