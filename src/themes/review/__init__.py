"""`themes review OUTDIR`: a local browser app to read each theme's answers and sign the themes
off: rename, describe, merge, split, delete, move answers and sentences, pin quotes, undo, and
save the folder (and its model) whole. ``session`` holds the edits, ``views`` what the page
shows, ``save`` writes the folder, ``server`` serves it on 127.0.0.1."""
