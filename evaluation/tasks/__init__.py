"""The 18 pt-PT benchmarks of the paper's Table 3, as lmms-eval tasks (see `spec.Benchmark`).

    from evaluation.tasks import lmms_tasks
    tasks = lmms_tasks(["amalia_vl_eval_pt"], data_dir=None, model_name="amalia_vl", chat=True)
    lmms_eval.evaluator.simple_evaluate(model=..., tasks=tasks)

We hand lmms-eval task *objects*. lmms-eval 0.7.3 also takes task configs as dicts, but its loader then drops the
task's name (`TaskManager._load_individual_task_or_group` pops "task" from the dict, so every request names task
None) and always builds the plain task type, never the chat one chat models need; building the objects ourselves,
through the public task classes, avoids both.
"""

from pathlib import Path

from evaluation.tasks import captioning, grounding, mathvision, mmmu, multiple_choice, native, short_answer, yes_no
from evaluation.tasks.spec import TAG, Benchmark


# The 18 of Table 3, in its column order's families.
TABLE3: dict[str, Benchmark] = {
    benchmark.task: benchmark
    for module in (yes_no, multiple_choice, mmmu, short_answer, grounding, captioning, mathvision)
    for benchmark in module.BENCHMARKS
}
# Table 4: RefCOCO REC with boxes asked in other formats and scales.
ABLATION_TAG = "amalia_vl_refcoco_ablation"
# Beyond the paper: the fork's native pt-PT suites.
EXTRA = [*grounding.ABLATION, *native.PORTEXTO, *native.CARAVELA]
BENCHMARKS: dict[str, Benchmark] = {**TABLE3, **{benchmark.task: benchmark for benchmark in EXTRA}}
TAGS = {
    TAG: list(TABLE3),
    ABLATION_TAG: [grounding.REFCOCO_REC.task, *(benchmark.task for benchmark in grounding.ABLATION)],
    "portexto_pt": [benchmark.task for benchmark in native.PORTEXTO],
    "caravela": [benchmark.task for benchmark in native.CARAVELA],
}


def select(names: list[str]) -> list[Benchmark]:
    """The benchmarks named, a tag standing for its tasks (`amalia_vl_eval_pt`: the 18); unknown names raise."""
    selected: dict[str, Benchmark] = {}
    for name in names:
        for task in TAGS.get(name, [name]):
            if task not in BENCHMARKS:
                raise ValueError(
                    f"unknown task {task!r}: choose a tag ({', '.join(TAGS)}) or some of {', '.join(BENCHMARKS)}"
                )
            selected[task] = BENCHMARKS[task]
    return list(selected.values())


def lmms_tasks(names: list[str], data_dir: Path | None, model_name: str, chat: bool) -> list:
    """The lmms-eval tasks named, their datasets loaded.

    `model_name` picks each task's per-model prompts, as lmms-eval's `--model` would; `chat` builds the task type
    chat models read (messages) rather than the one simple models read (a text context).
    """
    from lmms_eval.api.task import ConfigurableMessagesTask, ConfigurableTask

    task_class = ConfigurableMessagesTask if chat else ConfigurableTask
    return [task_class(config=benchmark.lmms_config(data_dir), model_name=model_name) for benchmark in select(names)]


__all__ = ["ABLATION_TAG", "BENCHMARKS", "TABLE3", "TAG", "TAGS", "Benchmark", "lmms_tasks", "select"]
