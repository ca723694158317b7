"""One module per command: parse the options, make one call into the core, render.

Each module holds a one-command typer `app`; `pkgcli.cli.COMMANDS` lists them.
"""
