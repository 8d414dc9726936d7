"""Lüzhi (履职): evaluation of how governments perform their education duties."""

__version__ = "0.1.0"
