"""`python -m pkgcli` and the `pkgcli` console script."""

from __future__ import annotations


def main() -> None:
    from pkgcli.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
