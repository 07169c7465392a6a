"""themes: named themes, labelled responses, quotes and reports from free-text survey answers."""

__version__ = "0.1.0"

__all__ = ["extract", "label", "Settings", "Result", "ThemesError", "__version__"]


def __getattr__(name):
    # Lazy: `import themes` and `themes --help` stay instant; heavy libraries load on use.
    if name in ("extract", "label"):
        from . import pipeline

        return getattr(pipeline, name)
    if name == "Settings":
        from .config import Settings

        return Settings
    if name == "Result":
        from .types import Result

        return Result
    if name == "ThemesError":
        from .errors import ThemesError

        return ThemesError
    raise AttributeError(name)
