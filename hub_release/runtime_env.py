"""A Python path that holds only the installed runtime dependencies of amalia-vl, and what they depend on.

A release must load for a user who has torch and transformers but not this project: `python -I -S` with this path
and no other site-packages imports exactly those packages. The packages are linked, not reinstalled, so it takes a
second; the project's own modules (amalia_vl, hub_release, train, ...) and dev extras (trl, datasets) are absent.
"""

import importlib.metadata as metadata
import re
from pathlib import Path

from packaging.requirements import Requirement


PROJECT = "amalia-vl"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements(project: str = PROJECT) -> list[Requirement]:
    """The project's requirements outside every extra (pyproject's `dependencies`)."""
    try:
        lines = metadata.requires(project) or []
    except metadata.PackageNotFoundError as error:
        raise RuntimeError(
            f"The release check reads the runtime dependencies from the installed {project} package, which is not "
            "installed here: run `pip install -e .` in the repository first."
        ) from error
    requirements = [Requirement(line) for line in lines]
    return [req for req in requirements if req.marker is None or req.marker.evaluate({"extra": ""})]


def dependency_closure(project: str = PROJECT) -> dict[str, metadata.Distribution]:
    """Every installed distribution the runtime requirements pull in, transitively, by canonical name."""
    found: dict[str, metadata.Distribution] = {}
    pending = runtime_requirements(project)
    while pending:
        requirement = pending.pop()
        name = _canonical(requirement.name)
        if name in found:
            continue
        try:
            distribution = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            continue  # an optional platform dependency that is not installed here
        found[name] = distribution
        for line in distribution.requires or []:
            nested = Requirement(line)
            if nested.marker is None or nested.marker.evaluate({"extra": ""}):
                pending.append(nested)
    return found


def _top_level_entries(distribution: metadata.Distribution) -> set[Path]:
    """The site-packages entries a distribution installed: its packages, modules, native libraries, dist-info."""
    root = Path(distribution.locate_file(""))
    entries = set()
    for file in distribution.files or []:
        parts = Path(file).parts
        if not parts or parts[0] == ".." or parts[0].endswith(".pth") or parts[0] == "__pycache__":
            continue  # scripts in bin/, path hooks (an editable install's finder), caches
        entries.add(root / parts[0])
    return entries


def build_runtime_path(directory: Path, project: str = PROJECT) -> Path:
    """Links every runtime distribution's entries into `directory` (a fresh folder); returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    for distribution in dependency_closure(project).values():
        for entry in _top_level_entries(distribution):
            link = directory / entry.name
            if entry.exists() and not link.exists():
                link.symlink_to(entry)
    return directory
