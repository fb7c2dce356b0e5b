"""The model card of an AMALIA-VL release, generated from the checkpoint and its training run.

    card = model_card(config, processor, read_training_run(checkpoint, "train/configs/stage2.yaml"),
                      [example for example, _ in EXAMPLES], release_dir, repo_id="me/AMALIA-VL-SFT")
    card.save(release_dir / "README.md")

Its metadata is huggingface_hub's `ModelCardData` (what the Hub reads: `pipeline_tag: image-text-to-text` gives
the image-text-to-text widget, `library_name: transformers` the "Use this model" snippet); its body says what the
model is, how to run it, what images cost in tokens, how it was trained and what it cannot do.
"""

from pathlib import Path

from huggingface_hub import ModelCard, ModelCardData

from hub_release.eval_results import EvalRun, eval_results, evaluation_section
from hub_release.examples import Example
from hub_release.training_run import TrainingRun


LICENSE = "apache-2.0"  # AMALIA's, and this project's
TAGS = ["vision-language", "llava-next", "siglip2", "european-portuguese", "pt-PT", "amalia", "custom_code"]
# The parents of the real model (the paper's section 3); a checkpoint of another shape (the tiny random model) has
# none, and its card says so rather than claim them.
VISION_PARENT = ("google/siglip2-so400m-patch16-384", {"hidden_size": 1152, "patch_size": 16, "image_size": 384})
LANGUAGE_PARENT = ("amalia-llm/AMALIA-9B-0626-DPO", {"hidden_size": 4096, "num_hidden_layers": 42})
# (height, width) of the images the token-cost table prices: a tile, a photo, a screenshot, an A4 scan, a strip.
PRICED_SIZES = [(384, 384), (768, 1024), (1080, 1920), (2480, 1754), (4608, 384)]
PAPER_STAGES = """| stage | trains | data | tiles | max length |
|---|---|---|---|---|
| 1 alignment | connector only | 0.5M PD12M captions | 1 (576 tokens an image) | 2,048 |
| 2 visual SFT | everything | the Table 1 mix, 4.7M samples (2B text tokens) | up to 12 | 16,384 |
| 3 DPO | everything | synthetic preference pairs + 100k MPO | up to 12 | 16,384 |"""


def parents(config) -> list[str]:
    """The Hub models a checkpoint was assembled from, recognised by their shapes."""
    found = []
    for model_id, shape, sub_config in (
        (*VISION_PARENT, config.vision_config),
        (*LANGUAGE_PARENT, config.text_config),
    ):
        if all(getattr(sub_config, key, None) == value for key, value in shape.items()):
            found.append(model_id)
    return found


def file_url(path: str, repo_id: str | None, revision: str) -> str:
    """A release file as the Hub serves it, or its path inside the folder for a release not yet on the Hub."""
    return f"https://huggingface.co/{repo_id}/resolve/{revision}/{path}" if repo_id else path


def widget(examples: list[Example], repo_id: str | None, revision: str) -> list[dict]:
    """Widget entries whose images are files of the release itself."""
    return [
        {"text": e.question, "src": file_url(e.file, repo_id, revision), "example_title": e.title} for e in examples
    ]


def metadata(
    config, run: TrainingRun, examples: list[Example], repo_id: str | None, revision: str, evaluation: EvalRun | None
) -> ModelCardData:
    results = eval_results(evaluation) if evaluation else None
    return ModelCardData(
        model_name=(repo_id or "amalia-vl").rsplit("/", 1)[-1] if results else None,  # model-index needs a name
        eval_results=results,
        language=["pt"],
        license=LICENSE,
        library_name="transformers",
        pipeline_tag="image-text-to-text",
        # The model this run fine-tuned, else the models the checkpoint was assembled from.
        base_model=(run.base_models or parents(config)) or None,
        datasets=run.datasets or None,
        tags=TAGS,
        widget=widget(examples, repo_id, revision),
    )


def quick_start(model_id: str, image: str, question: str) -> str:
    """Python that loads the release and answers one question: the card shows it, the tests run it as written.

    The image is opened with PIL (from the Hub with urllib): every processor version takes a PIL image."""
    if image.startswith("https://"):
        imports, opened = "from urllib.request import urlopen\n\n", f'Image.open(urlopen("{image}"))'
    else:
        imports, opened = "", f'Image.open("{image}")'
    return f'''{imports}from PIL import Image
from transformers import AutoModelForImageTextToText, AutoProcessor, pipeline

model_id = "{model_id}"
image = {opened}
messages = [
    {{
        "role": "user",
        "content": [
            {{"type": "image", "image": image}},
            {{"type": "text", "text": "{question}"}},
        ],
    }}
]

# The pipeline: one call
answerer = pipeline("image-text-to-text", model=model_id, trust_remote_code=True, dtype="auto")
print(answerer(text=messages, max_new_tokens=64, do_sample=False, return_full_text=False)[0]["generated_text"])

# Or the model and processor
model = AutoModelForImageTextToText.from_pretrained(model_id, trust_remote_code=True, dtype="auto")
processor = AutoProcessor.from_pretrained(model_id, trust_remote_code=True)
inputs = processor.apply_chat_template(
    messages, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
).to(model.device, dtype=model.dtype)
output = model.generate(**inputs, max_new_tokens=64, do_sample=False)
print(processor.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True))'''


def token_costs(processor) -> str:
    """The `<image>` token cost of typical image sizes under this checkpoint's own tiling."""
    images = processor.image_processor
    lines = ["| image (h x w) | grid (rows x cols) | `<image>` tokens |", "|---|---|---|"]
    for size in PRICED_SIZES:
        rows, cols = images.choose_grid(size)
        lines.append(f"| {size[0]} x {size[1]} | {rows} x {cols} | {processor.num_image_tokens(size):,} |")
    tile = images.tile_size
    per_tile = images.tokens_per_side**2
    return (
        f"Each image becomes a {tile} x {tile} thumbnail of the whole image followed by a grid of {tile} x {tile} "
        f"tiles (LLaVA-NeXT's anyres): the grid is the one of at most {images.max_tiles} tiles that keeps the most "
        f"of the image's pixels. Each tile costs {per_tile} tokens; rows and columns that only show padding are "
        "dropped, and a learned newline vector ends each feature row.\n\n"
        + "\n".join(lines)
        + "\n\n`processor.num_image_tokens((height, width))` prices any size; `max_tiles` lowers the budget per call "
        "(`processor(images=..., text=..., max_tiles=4)`; 1 is the thumbnail alone)."
    )


def training_section(run: TrainingRun) -> str:
    parts = ["AMALIA-VL is trained in three stages (paper, section 4):", "", PAPER_STAGES]
    config = run.config
    if config:
        facts = [
            ("started from", config.get("model_name_or_path")),
            ("data mix", config.get("data_mix")),
            ("tiles per image", config.get("max_tiles")),
            ("max length", config.get("max_length")),
            ("learning rate per module", config.get("module_learning_rates")),
            ("schedule", config.get("lr_scheduler_type")),
        ]
        parts += ["", "This checkpoint's run:", ""]
        # Enum settings (TrainingArguments' lr_scheduler_type) show their value, as the YAML spells them.
        parts += [f"- {name}: `{getattr(value, 'value', value)}`" for name, value in facts if value not in (None, "")]
    if run.state:
        parts.append(f"- steps: {run.state.get('global_step')}, epochs: {run.state.get('epoch')}")
        if run.final_loss is not None:
            parts.append(f"- final training loss: {run.final_loss:.4f}")
        if run.eval_loss is not None:
            parts.append(f"- held-out loss: {run.eval_loss:.4f}")
    if run.mix:
        total = sum(entry.size for entry in run.mix)
        parts += ["", "| category | dataset | samples | share |", "|---|---|---|---|"]
        for entry in run.mix:
            name = f"[{entry.name}](https://huggingface.co/datasets/{entry.hub_id})" if entry.hub_id else entry.name
            parts.append(f"| {entry.category} | {name} | {entry.size:,} | {entry.size / total:.1%} |")
    return "\n".join(parts)


LIMITS = """- pt-PT first: it answers in European Portuguese and was tuned on pt-PT data; other languages are weaker.
- Tiling caps an image at the grid's tiles; fine print in a very large image can fall below the tile resolution.
- Like every vision-language model, it can describe things that are not in the image: check answers that matter.
- Loading runs the code files in this repository (`trust_remote_code=True`); read them first, or load the
  `llava_next` export with transformers' own classes."""


def body(
    config, processor, run: TrainingRun, examples: list[Example], model_id: str, image: str, evaluation: EvalRun | None
) -> str:
    """The card's markdown; the intro paragraph's backslashes join its source lines into one line."""
    vision, text = config.vision_config, config.text_config
    parameters = f"{vision.hidden_size}-wide, {vision.num_hidden_layers}-layer SigLIP tower"
    language = f"{text.hidden_size}-wide, {text.num_hidden_layers}-layer Llama-architecture language model"
    example = examples[0]
    evaluated = f"\n## Evaluation\n\n{evaluation_section(evaluation)}\n" if evaluation else ""
    return f"""# {model_id.rstrip("/").rsplit("/", 1)[-1]}

AMALIA-VL, a vision-language model for European Portuguese (pt-PT): a {parameters} reads the image as \
LLaVA-NeXT-style tiles, a two-layer GELU connector maps its features into a {language}, and the model answers \
in pt-PT. The model code travels in this repository (`configuration_amalia_vl.py`, `processing_amalia_vl.py`, \
`modeling_amalia_vl.py`), so it loads with `trust_remote_code=True` and transformers' Auto classes.

## Quick start

```python
{quick_start(model_id, image, example.question)}
```

## Tiling and token costs

{token_costs(processor)}

## Training

{training_section(run)}
{evaluated}
## Limits

{LIMITS}
"""


def model_card(
    config,
    processor,
    run: TrainingRun,
    examples: list[Example],
    release_dir: Path,
    repo_id: str | None = None,
    revision: str = "main",
    evaluation: EvalRun | None = None,
) -> ModelCard:
    """The card of the release in `release_dir`, meant for the Hub repository `repo_id`. Without `repo_id` it
    describes the folder itself: its quick start loads the folder and its widget names files inside it."""
    data = metadata(config, run, examples, repo_id, revision, evaluation)
    model_id = repo_id or str(Path(release_dir).resolve())
    image = file_url(examples[0].file, repo_id, revision) if repo_id else str(Path(model_id) / examples[0].file)
    return ModelCard(
        f"---\n{data.to_yaml()}\n---\n\n{body(config, processor, run, examples, model_id, image, evaluation)}"
    )
