"""`evaluation.fetch_data`: a Hub-layout dataset becomes the `DIR/<NAME>-PT` folder that `--data_dir` reads."""

from datasets import load_from_disk

from evaluation.fetch_data import datasets_for, fetch
from evaluation.fixtures import mme
from evaluation.tasks import lmms_tasks


def test_every_dataset_once():
    names = [benchmark.dataset for benchmark in datasets_for(["amalia_vl_eval_pt"])]
    assert len(names) == 17 and names.count("RefCOCO-PT") == 1
    assert [b.dataset for b in datasets_for(["refcoco_bbox_pt", "refcoco_bbox_rec_pt"])] == ["RefCOCO-PT"]
    # Datasets with parts are fetched part by part, each into DIR/<NAME>/<part>.
    parts = datasets_for(["portexto_pt", "caravela"])
    assert [(b.dataset, b.subset) for b in parts][:1] == [("PorTEXTO", "handwritten")] and len(parts) == 7
    assert parts[-1].hub_arguments() == {"data_files": {"test": "caravela_reasoning.parquet"}}


def test_fetch_writes_what_the_tasks_read(tmp_path, monkeypatch):
    # `load_dataset("amalia-llm/MME-PT")` reads a local folder of that name before asking the Hub: lay one out as
    # the Hub repository is (parquet files per split), so the test runs offline.
    hub = tmp_path / "hub"
    (hub / "amalia-llm" / "MME-PT" / "data").mkdir(parents=True)
    mme()["test"].to_parquet(str(hub / "amalia-llm" / "MME-PT" / "data" / "test-00000-of-00001.parquet"))
    monkeypatch.chdir(hub)
    (mme_benchmark,) = datasets_for(["mme_pt"])
    target = fetch(mme_benchmark, tmp_path / "mirror")
    assert load_from_disk(str(target))["test"].num_rows == 6
    (task,) = lmms_tasks(["mme_pt"], tmp_path / "mirror", model_name="amalia_vl", chat=True)
    assert task.test_docs()[0]["answer"] == "Sim"
    # A second fetch keeps the copy it finds.
    assert fetch(mme_benchmark, tmp_path / "mirror") == target
