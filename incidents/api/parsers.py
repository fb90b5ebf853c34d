"""The API's JSON parser: DRF's, refusing documents nested deeper than MAX_DEPTH before decoding them.

Python's JSON decoder recurses once per level of arrays and objects, so a body of a few thousand ``[``
raises RecursionError (a 500), and the serializers recurse over what it returns. The depth is measured
first, without recursion and in linear time: strings are cut out with one regular expression (possessive,
so it never backtracks), the brackets left are counted as steps of +1 and -1, and the deepest running sum
is the depth. Brackets in invalid JSON may miscount, but such a body is refused either way.
"""

import itertools
import re

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

MAX_DEPTH = 64  # the incident document needs 4: document → factors → a factor → its leads_to
STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)  # an unclosed string runs to the end
NOT_BRACKET = re.compile(r"[^\[\]{}]++")
STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text):
    """How deeply ``text`` nests JSON arrays and objects (brackets inside strings do not count)."""
    brackets = NOT_BRACKET.sub("", STRING.sub("", text))
    return max(itertools.accumulate(map(STEP.__getitem__, brackets)), default=0)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if nesting_depth(text) > MAX_DEPTH:
            raise ParseError(f"JSON parse error - arrays and objects are nested more than {MAX_DEPTH} levels deep.")
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
