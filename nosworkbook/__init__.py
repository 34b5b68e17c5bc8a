"""nosworkbook: interactive Jupyter workbooks for the UK Customer Service NOS."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nosworkbook")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
