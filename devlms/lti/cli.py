"""`flask --app "devlms:create_devlms_app()" registration-file PATH`: this LMS, on the URLs of its settings, as the
tool imports it (`flask --app wsgi lti registration import PATH`). `make setup` runs both at every `make run`, so the
registration the tool holds is always that of the LMS about to start, on whichever ports it was given."""
import json
import os
from pathlib import Path

import click
from flask.cli import with_appcontext

from devlms.lti.registration import tool_registration


@click.command("registration-file")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def registration_file_command(path: Path) -> None:
    """Write this LMS's registration (lti_config/ format) to PATH."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(tool_registration(), indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)  # never a half-written file for the import to read
    click.echo(f"{path}: the development LMS at {tool_registration()['issuer']}")
