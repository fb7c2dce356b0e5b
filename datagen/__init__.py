"""Pipelines that generate AMALIA-VL's synthetic pt-PT datasets (paper, section 5).

One module per dataset, each runnable as ``python -m datagen.<name> --num-samples N --output-dir DIR``.
Every dataset is written in TRL's vision format (``messages`` + ``images``) with ``Dataset.save_to_disk``
and a dataset card; see ``datagen/README.md``.
"""
