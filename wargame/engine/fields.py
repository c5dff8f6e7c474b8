"""The building blocks of the scenario schema: a strict, frozen model and typed scalars."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Strict, StringConstraints

Id = Annotated[str, Strict(), StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Slug = Annotated[str, Strict(), StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Text = Annotated[str, Strict()]
Int = Annotated[int, Strict()]
Number = Annotated[float, Strict()]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
