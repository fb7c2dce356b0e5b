"""The paper's pt-PT evaluation on lmms-eval 0.7.3: tasks, our model class, and the commands around them.

    tasks/        the 18 Table 3 benchmarks (and extras) as `Benchmark` data, turned into lmms-eval tasks
    parsers.py    pt-PT answer parsing: sim/não, option letters, boxes in every format, short answers
    model.py      AmaliaVLEval, `--model amalia_vl` for lmms-eval (registered by plugin.py, the entry point)
    run.py        python -m evaluation.run: one checkpoint on chosen tasks, failing loudly
    report.py     python -m evaluation.report: Table 3 (and Table 4) beside the paper's rows (paper.py)
    fidelity.py   the pt-BR share of free-form answers
    fetch_data.py python -m evaluation.fetch_data: a local mirror of the Hub datasets for --data_dir
    fixtures.py   small datasets in the real schemas, for tests and smoke runs
    translate.py  python -m evaluation.translate: an English benchmark into pt-PT in the same schema

Nothing here is imported by the model code; importing this package imports nothing heavy.
"""
