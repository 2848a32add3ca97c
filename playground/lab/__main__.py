from __future__ import annotations

from playground.lab.server import main

main()
