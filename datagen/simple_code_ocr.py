"""SimpleCodeOCR: Python functions rendered as images, to be transcribed verbatim.

python -m datagen.simple_code_ocr --num-samples 200 --output-dir out/simple_code_ocr [--code-file F]
"""

import random
from dataclasses import dataclass

from datagen.render.code_render import render_code
from datagen.sources.code_sources import CodeSource, add_code_arguments, pick_language
from datagen.writing.card import CardInfo
from datagen.writing.cli import main_for
from datagen.writing.messages import make_row
from datagen.writing.writer import per_item


PROMPTS = {
    "pt": (
        "Transcreve o código Python da imagem, sem números de linha.",
        "Escreve exatamente o código que aparece na imagem.",
    ),
    "en": (
        "Transcribe the Python code in the image, without line numbers.",
        "Write out exactly the code shown in the image.",
    ),
}

CARD = CardInfo(
    pretty_name="SimpleCodeOCR",
    summary="Python functions rendered as images (themes, line numbers, syntax colours) with a request to "
    "transcribe them, in pt-PT and English.",
    how_made="Functions come from templates with random parameters, or from a JSONL file of real functions "
    "(e.g. permissively licensed CodeSearchNet functions). The answer is the rendered source itself.",
    languages=["pt", "en"],
)


@dataclass
class SimpleCodeOcr:
    source: CodeSource

    def __call__(self, rng: random.Random, index: int) -> dict:
        language = pick_language(rng)
        function = self.source.function(rng, language)
        image = render_code(rng, function.source)
        return make_row(
            [image], [(rng.choice(PROMPTS[language]), function.source.rstrip("\n"))], task=f"code_ocr/{language}"
        )


main = main_for(
    __doc__.splitlines()[0],
    CARD,
    lambda args: per_item(SimpleCodeOcr(CodeSource(args.code_file)), args.seed),
    add_code_arguments,
)

if __name__ == "__main__":
    main()
