"""The incident page's sections: incidents.models.sections (the exports show them in the same order)."""

from incidents.models.sections import DEFAULT_HEADINGS, TEXT_SECTIONS, page_sections

__all__ = ["DEFAULT_HEADINGS", "TEXT_SECTIONS", "page_sections"]
