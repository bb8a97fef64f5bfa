"""The exception every pipeline step raises when its gate fails."""


class PipelineError(Exception):
    """A step failed; the message names what failed and what to do next."""

    step = "pipeline"

    def __init__(self, message: str, next_action: str, step: str | None = None):
        super().__init__(message)
        self.message = message
        self.next_action = next_action
        if step is not None:
            self.step = step

    def __str__(self) -> str:
        return f"{self.step} failed: {self.message}. Next: {self.next_action}"
