"""Split a Markdown file into its YAML front matter and its body, keeping file line numbers.

Front matter is a ``---`` line as the very first line (after an optional BOM), YAML, then a ``---`` (or
``...``) line. Line endings may be CRLF. YAML errors are reported at the line of the file where YAML found
them, and the file line of every top-level key (and of every item of a top-level list) is kept so that a
value of the wrong type can be blamed on its line.

The YAML is read with PyYAML's safe loader, changed in two ways so that text comes back as written: only
``true``/``false`` are booleans (YAML 1.1 also reads ``yes``, ``no``, ``on``, ``off`` as booleans, which
would turn a title "No" into False), and a date-like value that is not a real date (``2026-13-45``) stays
a string instead of failing the whole file.
"""

import re
from dataclasses import dataclass, field

import yaml
from django.utils.translation import gettext as _, gettext_noop

from incidents.imports.problems import ImportProblem

OPENING = re.compile(r"^---[ \t]*$")
CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
BOOLEAN = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
INVALID = gettext_noop("the front matter is not valid YAML: %(detail)s")  # the detail is PyYAML's, in English


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader (libyaml's when built in: the corpus reads ten times faster) with YAML 1.2 booleans
    and tolerant timestamps."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", BOOLEAN, list("tTfF"))
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


@dataclass
class Split:
    """A file cut in two. ``data`` is None when the file has no front matter."""

    data: dict | None
    body: str
    body_line: int  # the file line the body's first line is on
    key_lines: dict = field(default_factory=dict)  # top-level key -> file line
    item_lines: dict = field(default_factory=dict)  # top-level key -> [file line of each list item]

    def line(self, key, index=None):
        """The file line of a key, or of item ``index`` of its list (falling back to the key's line)."""
        lines = self.item_lines.get(key, [])
        if index is not None and index < len(lines):
            return lines[index]
        return self.key_lines.get(key)


def normalize(text):
    """The file as one str with LF line endings and no BOM; an ImportProblem if it is not text."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ImportProblem(None, _("not UTF-8 text (byte %(position)d)") % {"position": error.start}) from None
    if not isinstance(text, str):
        raise ImportProblem(None, _("not text"))
    if "\x00" in text:
        raise ImportProblem(text.count("\n", 0, text.index("\x00")) + 1, _("not text (a NUL character)"))
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split(text):
    """Cut normalized ``text`` into front matter (parsed) and body."""
    lines = text.split("\n")
    if not lines or not OPENING.match(lines[0]):
        return Split(None, text, 1)
    closing = next((index for index in range(1, len(lines)) if CLOSING.match(lines[index])), None)
    if closing is None:
        raise ImportProblem(1, _("the front matter that starts here is never closed by a '---' line"))
    data, key_lines, item_lines = _load("\n".join(lines[1:closing]), first_line=2)
    return Split(data, "\n".join(lines[closing + 1:]), closing + 2, key_lines, item_lines)


def _load(source, first_line):
    loader = _Loader(source)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}, {}
        if not isinstance(node, yaml.MappingNode):
            raise ImportProblem(first_line + node.start_mark.line, _("the front matter is not a list of 'key: value' lines"))
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        last = source.count("\n")  # libyaml puts an error at the end of the text on the line after it
        line = first_line + min(mark.line, last) if mark else first_line
        raise ImportProblem(line, _(INVALID) % {"detail": error.problem or error.context}) from None
    except yaml.YAMLError as error:
        raise ImportProblem(first_line, _(INVALID) % {"detail": error}) from None
    finally:
        loader.dispose()
    key_lines, item_lines = {}, {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        key_lines.setdefault(key, first_line + key_node.start_mark.line)
        if isinstance(value_node, yaml.SequenceNode):
            item_lines[key] = [first_line + item.start_mark.line for item in value_node.value]
    return {str(key): value for key, value in data.items()}, key_lines, item_lines
