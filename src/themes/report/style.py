"""Colours and small formatting helpers shared by the report writers (NHS identity palette)."""

from __future__ import annotations

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_LIGHT_BLUE = "#41B6E6"
NHS_WARM_YELLOW = "#FFB81C"

# Distinct colours for themes on the map (colour-blind-friendly order first).
THEME_COLOURS = [
    "#005EB8", "#ED8B00", "#009639", "#DA291C", "#7C2855", "#00A9CE", "#FFB81C", "#330072",
    "#78BE20", "#AE2573", "#425563", "#41B6E6",
]
UNASSIGNED_COLOUR = "#AEB7BD"


def theme_colour(position: int) -> str:
    return THEME_COLOURS[position % len(THEME_COLOURS)]


def pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def disclosure_note(min_cell: int) -> str:
    ci = "Ranges are 95% Wilson confidence intervals."
    if min_cell <= 1:
        return f"No small numbers are suppressed (--min-cell 1). {ci}"
    counts = "Counts of 1" if min_cell == 2 else f"Counts from 1 to {min_cell - 1}"
    return (f"{counts}, and groups of fewer than {min_cell} respondents, are shown as \"<{min_cell}\" without a "
            f"percentage (statistical disclosure control). {ci}")


def redaction_note(redacted: bool) -> str:
    if redacted:
        return ("Names of people, organisations and places in respondents' words are replaced by [PERSON], "
                "[ORGANISATION] and [PLACE]; national bodies such as NHS England and the CQC are kept.")
    return "Quotes are shown as written: this report was not anonymised (run with --redact to anonymise)."


def counts_line(m) -> str:
    """'24 survey responses from 8 respondents' (respondents only when one answered several questions)."""
    rows = int(m.counts.get("rows", len(m.responses)))
    who = m.counts.get("respondents")
    return plural(rows, "survey response") + (f" from {plural(int(who), 'respondent')}" if who else "")
