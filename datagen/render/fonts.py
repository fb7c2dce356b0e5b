"""Finding the TrueType fonts the renderers draw with."""

import os
from functools import lru_cache
from pathlib import Path


FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))

# Font families by role, as file-name prefixes of Debian packages whose fonts cover every pt-PT diacritic
# (scripts/install_system_packages.sh): fonts-dejavu-core, fonts-liberation2, fonts-crosextra-carlito and
# -caladea, fonts-lato, fonts-open-sans, fonts-freefont-ttf and fonts-comic-neue (the handwriting-like role).
# Hairline, thin and light weights are left out: at small sizes they stop being legible. Extra fonts dropped
# into DATAGEN_FONT_DIR join the "sans" role.
FAMILIES = {
    "sans": (
        "DejaVuSans.", "DejaVuSans-Bold.", "DejaVuSansCondensed.", "DejaVuSans-Oblique.", "DejaVuSans-BoldOblique.",
        "LiberationSans-Regular.", "LiberationSans-Bold.", "LiberationSans-Italic.", "Carlito-Regular.",
        "Carlito-Bold.", "Carlito-Italic.", "Lato-Regular.", "Lato-Bold.", "Lato-Italic.", "Lato-Medium.",
        "OpenSans-Regular.", "OpenSans-Bold.", "OpenSans-Italic.", "OpenSans-Semibold.", "FreeSans.", "FreeSansBold.",
    ),
    "serif": (
        "DejaVuSerif.", "DejaVuSerif-Bold.", "DejaVuSerifCondensed.", "DejaVuSerif-Italic.", "LiberationSerif-Regular.",
        "LiberationSerif-Bold.", "LiberationSerif-Italic.", "Caladea-Regular.", "Caladea-Bold.", "Caladea-Italic.",
        "FreeSerif.", "FreeSerifBold.",
    ),
    "mono": (
        "DejaVuSansMono.", "DejaVuSansMono-Bold.", "LiberationMono-Regular.", "LiberationMono-Bold.",
    ),
    "hand": ("ComicNeue-Regular.", "ComicNeue-Bold.", "ComicNeue-Italic."),
}  # fmt: skip
FONT_SUFFIXES = ("*.ttf", "*.otf")


class FontsNotFoundError(RuntimeError):
    pass


@lru_cache
def _all_font_files() -> tuple[Path, ...]:
    dirs = [os.environ["DATAGEN_FONT_DIR"]] if os.environ.get("DATAGEN_FONT_DIR") else []
    dirs += FONT_DIRS
    found = {path for d in dirs if Path(d).is_dir() for suffix in FONT_SUFFIXES for path in Path(d).rglob(suffix)}
    return tuple(sorted(found))


@lru_cache
def find_fonts(role: str) -> tuple[Path, ...]:
    """The font files for ``role`` ("sans", "serif", "mono" or "hand"); raises with an install hint if none."""
    files = _all_font_files()
    # One file per name: Debian ships some families twice (fonts-liberation and fonts-liberation2).
    found = list({path.name: path for path in reversed(files) if path.name.startswith(FAMILIES[role])}.values())
    extra = os.environ.get("DATAGEN_FONT_DIR")
    if role == "sans" and extra:
        found += [path for path in files if str(path).startswith(extra)]
    if not found:
        raise FontsNotFoundError(
            f"no {role} fonts found under {', '.join(FONT_DIRS)}. Install them with "
            "scripts/install_system_packages.sh (at least `apt-get install fonts-dejavu-core`), or point "
            "DATAGEN_FONT_DIR at a folder of .ttf files."
        )
    return tuple(found)


def text_fonts() -> tuple[Path, ...]:
    """Fonts for running text: every sans and serif face, and the handwriting-like ones where installed."""
    try:
        hand = find_fonts("hand")
    except FontsNotFoundError:  # a machine with DejaVu only still renders
        hand = ()
    return find_fonts("sans") + find_fonts("serif") + hand
