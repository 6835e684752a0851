"""Files the package ships: Cypher queries, the vendored Last.fm data, the Maven pom and the image files.

In a checkout these are symbolic links to the top-level ``cypher/``, ``data/``, ``server/`` and ``docker/``
folders (the layout users asked for); the wheel carries copies at the same place. Either way they are found
through :mod:`importlib.resources`, so no code guesses where the package was installed.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """The filesystem path of ``mp2v/resources/<parts...>`` (it may not exist: callers say what is missing).

    The package is always installed as files (a checkout, an editable install or an unpacked wheel), never
    imported from a zip, so the traversable is a real path; Maven and ``docker build`` need one.
    """
    return Path(str(files(__name__).joinpath(*parts)))
