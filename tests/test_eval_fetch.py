"""`evaluation.fetch_data`: a Hub-layout dataset becomes the `DIR/<NAME>-PT` folder that `--data_dir` reads."""

from datasets import load_from_disk

from evaluation.fetch_data import datasets_for, fetch
from evaluation.fixtures import mme
from evaluation.tasks import lmms_tasks


def test_every_dataset_once():
    names = datasets_for(["amalia_vl_eval_pt"])
    assert len(names) == 17 and names.count("RefCOCO-PT") == 1
    assert datasets_for(["refcoco_bbox_pt", "refcoco_bbox_rec_pt"]) == ["RefCOCO-PT"]


def test_fetch_writes_what_the_tasks_read(tmp_path, monkeypatch):
    # `load_dataset("amalia-llm/MME-PT")` reads a local folder of that name before asking the Hub: lay one out as
    # the Hub repository is (parquet files per split), so the test runs offline.
    hub = tmp_path / "hub"
    (hub / "amalia-llm" / "MME-PT" / "data").mkdir(parents=True)
    mme()["test"].to_parquet(str(hub / "amalia-llm" / "MME-PT" / "data" / "test-00000-of-00001.parquet"))
    monkeypatch.chdir(hub)
    target = fetch("MME-PT", tmp_path / "mirror")
    assert load_from_disk(str(target))["test"].num_rows == 6
    (task,) = lmms_tasks(["mme_pt"], tmp_path / "mirror", model_name="amalia_vl", chat=True)
    assert task.test_docs()[0]["answer"] == "Sim"
    # A second fetch keeps the copy it finds.
    assert fetch("MME-PT", tmp_path / "mirror") == target
