"""The images model-backed pipelines describe: a ``save_to_disk`` dataset or a folder of image files."""

from pathlib import Path

from datasets import load_from_disk
from PIL import Image


IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}


class ImageInputs:
    """Indexable images; item ``i`` of a run is image ``i``, so re-runs and shards line up."""

    def __init__(self, path: str | Path, column: str = "image"):
        path = Path(path)
        if (path / "state.json").exists():
            self._dataset, self._files = load_from_disk(str(path)), None
            if column not in self._dataset.column_names:
                raise ValueError(
                    f"{path} has columns {self._dataset.column_names}; pass --image-column with the image column"
                )
            self._column = column
        elif path.is_dir():
            self._dataset, self._files = None, sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            raise ValueError(f"{path} is neither a save_to_disk dataset nor a folder of images")
        if len(self) == 0:
            raise ValueError(f"no images found in {path}")

    def __len__(self) -> int:
        return len(self._files) if self._files is not None else len(self._dataset)

    def __getitem__(self, index: int) -> Image.Image:
        if self._files is not None:
            return Image.open(self._files[index]).convert("RGB")
        return self._dataset[index][self._column].convert("RGB")
