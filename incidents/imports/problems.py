"""The one error of the parsing half: a file that cannot be read at all, with the line to look at."""


class ImportProblem(Exception):
    """A file that cannot be imported: ``line`` (1-based, in the file; None when no line is to blame) and a
    ``message`` for the person who wrote it. ``str()`` gives ``line N: message``."""

    def __init__(self, line, message):
        super().__init__(line, message)
        self.line = line
        self.message = message

    def __str__(self):
        return f"line {self.line}: {self.message}" if self.line is not None else self.message
