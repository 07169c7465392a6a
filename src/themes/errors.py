"""Exception types. The CLI turns any ThemesError into its message and exit code 2."""

from __future__ import annotations


class ThemesError(Exception):
    """A problem the user can fix: the message says what, where and how."""


class InputError(ThemesError):
    """The input file or its columns cannot be used as asked."""


class ConfigError(ThemesError):
    """A setting is out of range or names something that does not exist."""


class ModelFormatError(ThemesError):
    """A saved theme model is unreadable, tampered with, or from an incompatible version."""


class OutputError(ThemesError):
    """The output folder cannot be written as asked."""
