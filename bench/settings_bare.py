"""The project's settings with a one-URL urlconf: the benchmark's "bare Django" baseline.

Same middleware, same database and cache settings, same server; only the view differs, so
"team page / bare view" throughput compares our code with Django's own floor on the same
machine.
"""

from wargame.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_app"
