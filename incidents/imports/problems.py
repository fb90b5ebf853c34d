"""The one error of the parsing half: a file that cannot be read at all, with the line to look at."""

from django.utils.translation import gettext as _


class ImportProblem(Exception):
    """A file that cannot be imported: ``line`` (1-based, in the file; None when no line is to blame) and a
    ``message`` for the person who wrote it. ``str()`` gives ``line N: message``."""

    def __init__(self, line, message):
        super().__init__(line, message)
        self.line = line
        self.message = message

    def __str__(self):
        if self.line is None:
            return self.message
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}
