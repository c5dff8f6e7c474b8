class ServiceError(Exception):
    """A refusal the user should read: the message says what happened and what to do."""


class IllegalTransition(ServiceError):
    pass


class MoveConflict(ServiceError):
    def __init__(self, message: str, *, current_revision: int) -> None:
        super().__init__(message)
        self.current_revision = current_revision


class InvalidAnswers(ServiceError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(msg for msgs in errors.values() for msg in msgs))
        self.errors = errors
