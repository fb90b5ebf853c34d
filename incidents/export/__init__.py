"""Retrospective packs and single-incident exports: Markdown, self-contained HTML, and PDF.

pack      gathers what a pack shows (reads only: the database and the search index)
markdown  renders a pack or one write-up as Markdown (from templates/export/*.md)
html      renders them as self-contained HTML (templates/export/*.html)
pdf       turns that HTML into PDF (WeasyPrint, nothing fetched)
files     formats, their check, and export_meeting / export_selection / export_incident for callers
"""

from .files import (
    FORMATS,
    INCIDENT_FORMATS,
    PACK_FORMATS,
    ExportFile,
    UnknownFormat,
    UnknownTimeZone,
    check_format,
    export_incident,
    export_meeting,
    export_selection,
    time_zone_named,
)

__all__ = [
    "FORMATS", "INCIDENT_FORMATS", "PACK_FORMATS", "ExportFile", "UnknownFormat", "UnknownTimeZone", "check_format",
    "export_incident", "export_meeting", "export_selection", "time_zone_named",
]
