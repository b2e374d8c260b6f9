"""The one error type a broken spec raises."""


class SpecError(ValueError):
    """A spec is invalid. The message names the spec file, the place in it and the problem."""

    def __init__(self, source: str, where: str, problem: str):
        self.source, self.where, self.problem = source, where, problem
        super().__init__(f"{source}: {where}: {problem}" if where else f"{source}: {problem}")
