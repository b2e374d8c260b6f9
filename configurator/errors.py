"""The one error type a broken spec raises."""


class SpecError(ValueError):
    """A spec is invalid. The message names the spec file, the place in it and the problem.

    A spec with several problems raises one SpecError listing them all (`problems`, in the
    order they appear in the file), one line each; `where` and `problem` are the first's."""

    def __init__(self, source: str, where: str, problem: str, more: tuple = ()):
        self.source, self.where, self.problem = source, where, problem
        self.problems = [(where, problem), *more]
        super().__init__("\n".join(f"{source}: {w}: {p}" if w else f"{source}: {p}" for w, p in self.problems))
