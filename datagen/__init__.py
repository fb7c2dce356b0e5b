"""Pipelines that generate AMALIA-VL's synthetic pt-PT datasets (paper, section 5).

One module per dataset, each runnable as ``python -m datagen.<name> --num-samples N --output-dir DIR``.
Every dataset is written in TRL's vision format (``messages`` + ``images``) with ``Dataset.save_to_disk``
and a dataset card; see ``datagen/README.md``.
"""

# The pipelines that need no model: each module has a ``main(argv)``.
RENDERING_PIPELINES = (
    "pt_render_text",
    "pt_ocr",
    "simple_code_ocr",
    "sepic",
    "pt_outputs_to_code",
    "pt_simple_code_outputs",
    "infographic_synth",
    "invoice_qa",
)
