"""Import postmortems written in Markdown: the pure parsing half (no models, no database).

``formats.parse_document(text, name, default_zone)`` reads one file into the REST API's document shape
and says which format it was; the modules behind it:

* ``problems``    — ImportProblem, the error for a file that cannot be read (with its line);
* ``frontmatter`` — split the YAML front matter from the body, with file line numbers;
* ``postmortem``  — this application's own export (front matter ``postmortem: 1``, prose sections);
* ``formats``     — format detection, the icco corpus / generic front matter reader, ``parse_document``;
* ``sre``         — heading- or label-structured write-ups in the SRE book's shape (English, Japanese);
* ``sections``    — section headings and label lines, their English and Japanese names;
* ``timeline``    — timeline events, stated time zones, milestones;
* ``items``       — action items, lessons, root causes (factors) and links;
* ``tables``      — Markdown pipe tables, TAB-separated rows, list items;
* ``values``      — front matter values, type-checked;
* ``custom``      — the incident type, custom field values and extra keys of a front matter;
* ``vocabulary``  — the words for severity, status, factor category, action kind and status.

Saving (accounts, the rules of the document, the database) is an action: ``incidents.actions.imports``.
"""
