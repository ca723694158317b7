"""pkgcli: a local, scriptable mirror of the Django Packages catalogue."""

__version__ = "0.1.0"
