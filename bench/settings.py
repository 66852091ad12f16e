"""Settings for `make bench`'s load runs: the production settings (finsam.settings,
DEBUG off, secure cookies, HSTS, the whitenoise manifest) with one change: the
collected static files go to a temporary folder (BENCH_STATIC_ROOT), not to the
project's staticfiles/, which a server or test run in the same checkout may be using.

Nothing here relaxes security. The load client plays the TLS-terminating proxy
that production runs behind: it sends `X-Forwarded-Proto: https`, which
SECURE_PROXY_SSL_HEADER trusts, so requests over loopback http count as https.
"""

from __future__ import annotations

import os

from finsam.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
