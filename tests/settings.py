"""The test runner's settings: the project's own, with a key that is only for tests.

The suite runs with DEBUG off, as a deployment does, and ``wargame.settings`` refuses to
start that way with the development key. The key goes into the environment, so that the
servers, workers and commands the tests start in processes of their own get it too; those
load the project's settings themselves, as a deployment does (a worker started by the
``celery`` script could not even import this module: ``tests`` is not installed).
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-never-deployed-4f1c9e2b7a6d5038c1e9b2a7d6f40358")

from wargame.settings import *  # noqa: F403

os.environ["DJANGO_SETTINGS_MODULE"] = "wargame.settings"
