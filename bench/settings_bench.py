"""The project's settings, as the benchmark serves them: each request's CPU recorded by view
(``bench/view_cpu.py``), outermost, so that every middleware's share counts."""

from wargame.settings import *  # noqa: F403
from wargame.settings import MIDDLEWARE

MIDDLEWARE = ["bench.view_cpu.ViewCPU", *MIDDLEWARE]
