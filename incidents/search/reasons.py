"""Why two incidents are alike, in words a reader understands (issue #29): at most MAX_REASONS reasons, the
strongest first, none made of generic words, numbers or stop concepts (``likeness``). An incident with no
such reason is not listed as similar; a shared factor category is only said beside a stronger reason.
"""

from django.db.models import Count, Func, Subquery, Value
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ..models import FactorCategory, Incident, Service, Tag
from . import likeness
from .words import words as word_tokens

MAX_REASONS = 3
MAX_NAMES = 4  # values named in one reason


def _distinctive(labels):
    """Of ``labels`` ({"tags": lower-cased names, "services": …}), those held by few enough of the incidents to
    tell incidents apart (``likeness.LABEL_SHARE``): ``postmortem``, on most write-ups, says nothing. One
    query: the tags' and services' incident counts, each row with the number of incidents."""
    found = {key: set() for key in labels}
    if not any(labels.values()):
        return found
    total = Subquery(Incident.objects.order_by().values(n=Func("pk", function="COUNT")))
    parts = [model.objects.order_by().annotate(key=Lower("name"), kind=Value(key)).filter(key__in=labels[key])
             .values("pk", "kind", "key").annotate(n=Count("incidents"), total=total).values_list("kind", "key", "n", "total")
             for key, model in (("tags", Tag), ("services", Service)) if labels[key]]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    for kind, key, n, count in rows:
        if n <= likeness.ceiling(likeness.LABEL_SHARE, count) and not likeness.generic(key):
            found[kind].add(key)
    return found


def _shared(mine, theirs, keep=None):
    mine = {value.lower() for value in mine}
    shared = [value for value in theirs if value.lower() in mine]
    return [value for value in shared if keep is None or value.lower() in keep]


class Reasons:
    """The reasons other incidents are like ``document`` (an indexed document, whose ``text`` holds the glossary
    concepts ``found``); what depends on ``document`` alone is read once, not per incident compared."""

    def __init__(self, document, text, found, cjk_words=None):
        self.document, self.text, self.found = document, text, {concept.key: concept for concept in found}
        self.distinctive = _distinctive({key: [value.lower() for value in document[key]] for key in ("tags", "services")})
        self._cjk_words = cjk_words  # when known (concepts.text_words)
        self._forms = None

    def cjk_words(self):
        """The CJK words of the text (Sudachi's normalized forms), read when a matched key word is CJK."""
        if self._cjk_words is None:
            self._cjk_words = {token for token, *_rest in word_tokens(self.text) if not token.isascii()}
        return self._cjk_words

    def of(self, other, words, keys):
        """At most MAX_REASONS reasons ``other`` is alike, given its matched key ``words`` and concept ``keys``
        as the backend found them; [] when it has none a reader understands."""
        document = self.document
        strong = [_("also links %(reference)s") % {"reference": ref}
                  for ref in _shared(document["github"], other["github"])]
        for label, key in ((_("same tags"), "tags"), (_("same services"), "services")):
            shared = _shared(document[key], other[key], self.distinctive[key])
            if shared:
                strong.append(f"{label}: {', '.join(shared[:MAX_NAMES])}")
        # Concepts the other incident words otherwise (another language, an alias), as this one wrote them;
        # one it words the same way is said by the similar text.
        theirs = "\n".join([other["title"], other.get("summary", ""), other.get("body", "")]).lower()
        named = [self.found[key].found[0] for key in keys if key in self.found
                 and not any(term.lower() in theirs for term in self.found[key].found)]
        named = [term for term in dict.fromkeys(named) if not likeness.generic(term.lower())]
        if named:
            strong.append(_("same concept: %(terms)s") % {"terms": ", ".join(named[:MAX_NAMES])})
        cjk = self.cjk_words() if any(not word.isascii() for word in words) else set()
        if self._forms is None and words:
            self._forms = likeness.surface_forms(self.text)  # once for every incident compared
        shown = likeness.shown_words(words, self.text, cjk, self._forms)
        if shown:
            strong.append(_("similar text: %(words)s") % {"words": ", ".join(shown[:MAX_NAMES])})
        if not strong:
            return []
        names = dict(FactorCategory.choices)  # stored as values; shown by their names in the current language
        categories = [str(names.get(value, value)) for value in _shared(document["categories"], other["categories"])]
        if categories:
            label = _("same factor categories")  # outside the f-string, where makemessages finds it
            strong.append(f"{label}: {', '.join(categories[:MAX_NAMES])}")
        return strong[:MAX_REASONS]
