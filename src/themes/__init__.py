"""themes: named themes, labelled responses, quotes and reports from free-text survey answers."""

__version__ = "0.1.0"

__all__ = ["extract", "label", "train", "load_model", "save_model", "Codebook", "CodebookTheme",
           "read_codebook", "write_codebook", "Settings", "Result", "ThemesError", "__version__"]

_LAZY = {
    "extract": "pipeline", "label": "pipeline", "train": "pipeline",
    "load_model": "persist", "save_model": "persist",
    "Codebook": "codebook", "CodebookTheme": "codebook", "read_codebook": "codebook", "write_codebook": "codebook",
    "Settings": "config", "Result": "types", "ThemesError": "errors",
}


def __getattr__(name):
    # Lazy: `import themes` and `themes --help` stay instant; heavy libraries load on use.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)
