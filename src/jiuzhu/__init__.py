"""jiuzhu (救助): an open-source platform for a locality's social assistance system."""

__version__ = "0.1.0"
