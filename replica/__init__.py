"""Continuous off-box replication of the database with Litestream (``FLASK_REPLICA_URL``).

``config`` turns the settings into Litestream's configuration file, ``supervisor`` keeps
``litestream replicate`` running beside the site (never in front of it), ``status`` reads how far
behind the replica is, ``restore`` brings the database back from it, and ``cli`` holds the
``flask replica run|status|restore`` commands.
"""
