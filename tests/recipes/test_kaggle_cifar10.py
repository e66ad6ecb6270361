"""kaggle-cifar10: train, validate, retrain on everything, write Kaggle's submission.csv; any class-folder set."""

import csv

from dive.cli.run import run_recipe


def test_the_pipeline_writes_a_submission_row_per_test_image(tmp_path):
    record = run_recipe("kaggle-cifar10", "tiny", out=tmp_path, device="cpu", progress=False)
    assert 0 <= record["metrics"]["valid_acc"] <= 1 and "final_train_acc" in record["metrics"]
    with open(tmp_path / "submission.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 10 and [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)
    assert (tmp_path / "train_valid" / "checkpoint.safetensors").exists()


def test_a_folder_per_class_set_trains_without_a_submission(tmp_path):
    from PIL import Image

    data = tmp_path / "dogs"
    for c, colour in (("husky", (200, 200, 200)), ("pug", (90, 60, 20))):
        (data / c).mkdir(parents=True)
        for i in range(10):
            Image.new("RGB", (20 + i, 18), colour).save(data / c / f"{i}.jpg")
    out = tmp_path / "run"
    record = run_recipe("kaggle-cifar10", "tiny", [f"classes_dir={data}", "synthetic=false"], out=out, device="cpu",
                        progress=False)  # fmt: skip
    assert "2 classes" in record["summary"] and not (out / "submission.csv").exists()
