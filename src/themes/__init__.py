"""themes: named themes, labelled responses, quotes and reports from free-text survey answers."""

__version__ = "0.1.0"

__all__ = ["extract", "label", "train", "evaluate", "Settings", "Result", "ThemeModel", "Codebook", "CodebookTheme",
           "Embedder", "Components", "use_components", "load_model", "save_model", "read_codebook", "write_codebook",
           "load_corpus", "write_result", "ThemesError", "InputError", "ConfigError", "ModelFormatError",
           "OutputError", "__version__"]

_LAZY = {
    "extract": "pipeline", "label": "pipeline", "train": "pipeline",
    "evaluate": "evaluate.scoring:evaluate_outdir", "ThemeModel": "model.theme_model",
    "load_model": "model.persist", "save_model": "model.persist",
    "Codebook": "model.codebook", "CodebookTheme": "model.codebook", "read_codebook": "exchange.files:load_codebook",
    "write_codebook": "model.codebook", "load_corpus": "io.corpus", "write_result": "steps",
    "Settings": "config", "Components": "config", "use_components": "config", "Result": "types", "Embedder": "types",
    "ThemesError": "errors", "InputError": "errors", "ConfigError": "errors", "ModelFormatError": "errors",
    "OutputError": "errors",
}


def __getattr__(name):
    # Lazy: `import themes` and `themes --help` stay instant; heavy libraries load on use.
    if name in _LAZY:
        import importlib

        module, _, attr = _LAZY[name].partition(":")
        return getattr(importlib.import_module(f"themes.{module}"), attr or name)
    raise AttributeError(name)
