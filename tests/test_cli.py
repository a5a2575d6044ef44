"""The ``flask`` commands: every one the README names is registered, from one module."""

from __future__ import annotations

from pathlib import Path

from inquiries import cli

CONTRACT = {
    "init-db": None,
    "outbox": {"status", "send", "work", "retry-dead"},
    "inquiries": {"list", "show", "export", "erase", "purge", "pickup", "report"},
    "backup": None,
    "check-config": None,
}


def test_every_contract_command_is_registered(app):
    for name, subcommands in CONTRACT.items():
        command = app.cli.get_command(None, name)
        assert command is not None, name
        if subcommands:
            assert set(command.commands) == subcommands, name


def test_the_commands_come_from_one_registration(app):
    registered = {name: app.cli.commands[name] for name in CONTRACT}
    assert registered == {
        "init-db": cli.init_db_command,
        "outbox": cli.group,
        "inquiries": cli.staff_cli.inquiries_cli,
        "backup": cli.backups.backup_command,
        "check-config": cli.staff_cli.check_config_command,
    }


def test_init_db_creates_the_database(app, runner):
    database = Path(app.config["DATABASE"])
    database.unlink()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert f"Database ready: {database}" in result.output
    assert database.exists()
