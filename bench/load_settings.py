"""Settings of the load test's server (bench/load.py): the portal's own settings, with a
URLconf that adds the bare view the load is compared with. Nothing else differs; the bare
view exists only here, never in the product's URLs."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
