"""A local SMTP server for `make run`: accepts every message and saves it under ``data/mail/``.

So the site always sends real SMTP, even on a laptop with no mail server.
Run: ``python -m inquiries.mailsink [--host HOST] [--port PORT] [--dir FOLDER]``; the defaults are
the settings' ``SINK_HOST``, ``SINK_PORT`` and ``SINK_FOLDER``, the default SMTP server of the site.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from settings import SINK_FOLDER, SINK_HOST, SINK_PORT

PROJECT = Path(__file__).resolve().parent.parent  # SINK_FOLDER is relative to it, as the app reads it


class SaveToFolder:
    """aiosmtpd handler that writes each message to its own ``.eml`` file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        """Save the message; answer 250 so the sender marks it delivered."""
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 1_000_000:06d}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def main() -> None:
    """Start the sink and run until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=SINK_HOST)
    parser.add_argument("--port", type=int, default=SINK_PORT)
    parser.add_argument("--dir", type=Path, default=PROJECT / SINK_FOLDER)
    args = parser.parse_args()
    controller = Controller(SaveToFolder(args.dir), hostname=args.host, port=args.port)
    controller.start()
    print(f"Local mail sink on {args.host}:{args.port}, saving to {args.dir}/", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
