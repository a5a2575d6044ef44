"""``flask replica run|status|restore``: the replicator, its lag, and the way back from it."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import signal
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from inquiries import db as dbmod
from replica import config as replica_config
from replica import restore as replica_restore
from replica import status
from replica.supervisor import Supervisor

group = AppGroup("replica", help="Continuous off-box copy of the database (Litestream): run, status, restore.")


def _settings() -> tuple[dict, Path]:
    config = current_app.config
    if not replica_config.enabled(config):
        raise click.ClickException("FLASK_REPLICA_URL is not set: there is no replica.")
    problem = replica_config.url_problem(config["REPLICA_URL"])
    if problem:
        raise click.ClickException(problem)
    return config, dbmod.database_path(current_app).resolve()


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "never"
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


@group.command("run")
def run_command() -> None:
    """Run Litestream in the foreground, restarting it when it exits, until SIGTERM or Ctrl-C."""
    config, db_path = _settings()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    supervisor = Supervisor(config, db_path)
    signal.signal(signal.SIGTERM, lambda *_: supervisor.stop())
    click.echo(f"Replicating {db_path} to {config['REPLICA_URL']}; Ctrl-C stops.")
    with contextlib.suppress(KeyboardInterrupt):
        supervisor.run()
    supervisor.stop()
    supervisor._end_process()


@group.command("status")
def status_command() -> None:
    """Lag, last replicated time and whether the replica answers.

    Exits 0 when caught up (every write older than REPLICA_CAUGHT_UP_SECONDS is in the replica) or
    still within REPLICA_BEHIND_SECONDS; 1 when behind by more, or the replica cannot be read.
    """
    config, db_path = _settings()
    position = status.wait(config, db_path)
    lag = "-" if position.lag_seconds is None else f"{position.lag_seconds:.1f} s"
    click.echo(f"replica: {config['REPLICA_URL']}")
    click.echo(f"state: {position.state}  lag: {lag}")
    click.echo(f"last replicated: {_when(position.replicated_at)}  last write: {_when(position.written_at)}")
    click.echo(f"reachable: {'no' if position.state == status.UNREACHABLE else 'yes'}")
    if position.error:
        click.echo(f"{'error' if position.state == status.UNREACHABLE else 'note'}: {position.error}", err=True)
    with contextlib.suppress(OSError):
        status.save(position, db_path)
    if not position.ok:
        raise SystemExit(1)


@group.command("restore")
@click.option("--to", "target", type=click.Path(dir_okay=False, path_type=Path), help="Restore into this file.")
def restore_command(target: Path | None) -> None:
    """Restore the database from the replica (into FLASK_DATABASE unless --to), check its
    integrity, and refuse to overwrite a database that is open or holds inquiries."""
    config, db_path = _settings()
    target = (target or db_path).resolve()
    # This command's own app opened (and may have just created) the configured file: let go of it.
    keeper = current_app.extensions.pop("sqlite_keeper", None)
    if keeper is not None:
        keeper[1].conn.close()
    dbmod.close_db()
    try:
        result = replica_restore.restore(config, db_path, target)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored {target} from {config['REPLICA_URL']} in {result['seconds']:.1f} s: "
        f"integrity_check {result['integrity']}, {result['inquiries']} inquiries, {result['outbox']} outbox rows."
    )


def init_app(app) -> None:
    """Register ``flask replica …`` on ``app.cli``."""
    app.cli.add_command(group)
