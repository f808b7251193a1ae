"""The package's own errors. Driver exceptions never travel above the gateway."""


class GraphError(RuntimeError):
    """Base class for every graph-layer failure."""


class GraphUnavailable(GraphError):
    """The database cannot be reached (down, wrong address, refused)."""


class GraphAuthError(GraphError):
    """The database refused the credentials."""


class GraphQueryError(GraphError):
    """A query was rejected (syntax, constraint, timeout, memory)."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class GraphTimeout(GraphQueryError):
    """A query ran past its time limit."""
