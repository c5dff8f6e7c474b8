"""The project's settings with a one-URL urlconf: the benchmark's "bare Django" baseline.

Same middleware (with the benchmark's CPU record, as the app's server has it), same database
and cache settings, same server; only the view differs, so "team page / bare view"
throughput compares our code with Django's own floor on the same machine.
"""

from bench.settings_bench import *  # noqa: F403

ROOT_URLCONF = "bench.bare_app"
