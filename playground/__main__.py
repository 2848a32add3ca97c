from __future__ import annotations

from playground.cli import main

main()
