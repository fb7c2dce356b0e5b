"""Finding the TrueType fonts the renderers draw with."""

import os
from functools import lru_cache
from pathlib import Path


FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))

# Font families by role; names are file-name prefixes of the Debian fonts-dejavu-core package, which
# covers every pt-PT diacritic. Extra fonts dropped into DATAGEN_FONT_DIR join the "sans" role.
FAMILIES = {
    "sans": (
        "DejaVuSans.",
        "DejaVuSans-Bold.",
        "DejaVuSansCondensed.",
        "DejaVuSans-Oblique.",
        "DejaVuSans-BoldOblique.",
    ),
    "serif": ("DejaVuSerif.", "DejaVuSerif-Bold.", "DejaVuSerifCondensed.", "DejaVuSerif-Italic."),
    "mono": ("DejaVuSansMono.", "DejaVuSansMono-Bold."),
}


class FontsNotFoundError(RuntimeError):
    pass


@lru_cache
def _all_font_files() -> tuple[Path, ...]:
    dirs = [os.environ["DATAGEN_FONT_DIR"]] if os.environ.get("DATAGEN_FONT_DIR") else []
    dirs += FONT_DIRS
    return tuple(sorted(path for d in dirs if Path(d).is_dir() for path in Path(d).rglob("*.ttf")))


@lru_cache
def find_fonts(role: str) -> tuple[Path, ...]:
    """The font files for ``role`` ("sans", "serif" or "mono"); raises with an install hint if none."""
    files = _all_font_files()
    found = [path for path in files if path.name.startswith(FAMILIES[role])]
    extra = os.environ.get("DATAGEN_FONT_DIR")
    if role == "sans" and extra:
        found += [path for path in files if str(path).startswith(extra)]
    if not found:
        raise FontsNotFoundError(
            f"no {role} fonts found under {', '.join(FONT_DIRS)}. Install them with "
            "`apt-get install fonts-dejavu-core`, or point DATAGEN_FONT_DIR at a folder of .ttf files."
        )
    return tuple(found)


def text_fonts() -> tuple[Path, ...]:
    """Fonts for running text: every sans and serif face."""
    return find_fonts("sans") + find_fonts("serif")
