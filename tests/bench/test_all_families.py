"""benchmarks/all_families.py: the table from each family's JSON, resuming, and the README block it fills."""

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "all_families.py"


@pytest.fixture
def families():
    spec = importlib.util.spec_from_file_location("all_families", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_table_reads_each_familys_json_and_names_what_is_missing(tmp_path, families):
    lenet = {"medians": {"book": 1000.0, "dive+cl": 3000.0}, "flops_per_example": 1e6, "peak_gflops": 100.0}
    (tmp_path / "lenet.json").write_text(json.dumps(lenet))
    w2v = {
        "rows": [{"name": "book-style"}, {"key": "dive", "words_per_s": 300.0}, {"key": "gensim", "words_per_s": 900.0}]
    }
    (tmp_path / "word2vec.json").write_text(json.dumps(w2v))
    (tmp_path / "ssd.error").write_text("dive: error: dataset 'bananas' not found")
    text = families.table(tmp_path)
    assert "| 1,000 examples/s | 3,000 (dive+cl) | **3.00x** | 3% of 100 |" in text  # 1 MFLOP x 3,000/s of 100 GFLOP/s
    assert "**0.33x**" in text and "- word2vec: the pairs' update compiled" in text  # under 2x: where its time goes
    assert "- lenet" not in text and "ssd: dive: error: dataset 'bananas' not found" in text and "lstm: not run" in text
    assert families.run_family("lenet", tmp_path, force=False) == "kept"  # resumable: a family with its JSON stays


def test_the_readme_block_is_replaced_and_a_readme_without_one_is_refused(tmp_path, families):
    readme = tmp_path / "README.md"
    readme.write_text("# x\n<!-- speed-table -->\nold\n<!-- /speed-table -->\ntail\n")
    families.into_readme(readme, "new table")
    assert readme.read_text() == "# x\n<!-- speed-table -->\nnew table\n<!-- /speed-table -->\ntail\n"
    readme.write_text("no block")
    with pytest.raises(SystemExit, match="no <!-- speed-table -->"):
        families.into_readme(readme, "t")
