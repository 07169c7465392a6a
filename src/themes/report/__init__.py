"""Report writers: HTML, DOCX, XLSX and Markdown documents from an OUTDIR, with quotes,
group tables and optional anonymisation."""
