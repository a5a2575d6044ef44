"""Every setting the site reads: its default, its meaning, its type, and the production checks.

The table (`settings.table`) is the single source of truth: `init_app`, which `create_app()` calls
first, loads the defaults from it; the README's settings table is checked against it by the tests,
and `flask check-config` reports on it. Each setting is read from the environment as
``FLASK_<NAME>`` (values may be JSON) and then given its type once, by `typed`: the rest of the
code reads typed values and converts nothing. `production_problems` and the other checks are in
`settings.production`.
"""

from settings.errors import ConfigError
from settings.loading import init_app
from settings.production import (
    LOOPBACK,
    PROXY_HOPS_UNSET,
    check_config_problems,
    lease_problems,
    lengthen_short_lease,
    production_problems,
)
from settings.reading import typed
from settings.site import site_domain
from settings.table import (
    DEMO_COLOR,
    DEMO_DOMAIN,
    DEMO_PHONE,
    DEMO_SECRET_KEY,
    SETTINGS,
    SINK_FOLDER,
    SINK_HOST,
    SINK_PORT,
    Setting,
    defaults,
)

__all__ = [
    "DEMO_COLOR",
    "DEMO_DOMAIN",
    "DEMO_PHONE",
    "DEMO_SECRET_KEY",
    "LOOPBACK",
    "PROXY_HOPS_UNSET",
    "SETTINGS",
    "SINK_FOLDER",
    "SINK_HOST",
    "SINK_PORT",
    "ConfigError",
    "Setting",
    "check_config_problems",
    "defaults",
    "init_app",
    "lease_problems",
    "lengthen_short_lease",
    "production_problems",
    "site_domain",
    "typed",
]
