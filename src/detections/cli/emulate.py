"""`detections emulate`: run the workspace emulator in the foreground until Ctrl-C."""

from __future__ import annotations

import shlex
import signal
import sys
import threading
from pathlib import Path

import click

from detections.live.errors import fail_cleanly


@click.command(short_help="Run a local Sentinel / Log Analytics workspace emulator.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="TCP port on 127.0.0.1 (0 picks a free one).")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of table files (<Table>.json/.jsonl/.csv or AWS formats) the query API answers from.")
@click.option("--anonymous-queries", is_flag=True,
              help="Let the query API answer without a bearer token (Kqlmagic's 'anonymous' connection).")
@click.option("--only-data-tables", is_flag=True,
              help="The workspace has only the tables in --data (as without some connectors): queries and "
                   "rules naming other tables fail, as in Sentinel.")
def emulate(port: int, data_dir: Path | None, anonymous_queries: bool, only_data_tables: bool) -> None:
    """Run a local HTTPS Sentinel / Log Analytics workspace for offline deploy rehearsals.

    Prints the endpoint, the CA file and the variables to export, then serves until Ctrl-C.

    Exit status: 0 when stopped (Ctrl-C or SIGTERM); 1 when the port cannot be listened on or a --data
    file cannot be read; 2 on usage errors.
    """
    from detections.emulator import Emulator
    from detections.live.files import load_folder

    with fail_cleanly():
        emulator = Emulator(port=port, anonymous_queries=anonymous_queries, builtin_tables=not only_data_tables)
        for table, rows in (load_folder(data_dir) if data_dir else {}).items():
            emulator.data.add_rows(table, rows, typed=True)  # load_folder's rows are typed already
        try:
            emulator.start()
        except OSError as exc:
            raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    stop = threading.Event()
    # SIGTERM (kill, CI job end) stops as cleanly as Ctrl-C; a background job started with `&` ignores
    # SIGINT, so SIGTERM is how scripts stop it. Installed before the banner: a script may send it as
    # soon as it has read the endpoint.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        click.echo(f"Workspace emulator listening on {emulator.url}")
        click.echo(f"CA certificate: {emulator.ca_file}")
        for name, rows in sorted(emulator.data.tables.items()):
            click.echo(f"table {name}: {len(rows)} rows")
        click.echo("\nExport these in the shell that runs the deploy / queries:")
        for key, value in emulator.environment().items():
            click.echo(f"export {key}={shlex.quote(value)}")
        click.echo("\nPress Ctrl-C to stop.")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
        click.echo("stopped")
    except KeyboardInterrupt:
        click.echo("\nstopped")
    finally:
        emulator.stop()
