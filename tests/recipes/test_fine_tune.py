"""fine-tune (book §14.2): the three variants are set up as the book says; the pretrained source is cached."""

import torch

from dive.recipes.fine_tune import FineTuneConfig, digits, variant


def test_digits_split_keeps_per_class_images_to_train_on():
    train, test = digits(per_class=5, seed=0)
    assert len(train) == 50 and train.labels.bincount().tolist() == [5] * 10 and len(test) == 1797 - 50
    assert train.images.shape[1:] == (28, 28) and train.images.dtype == torch.uint8


def test_variants_follow_the_book_learning_rates_and_freezing():
    from dive.models import resnet_small

    cfg = FineTuneConfig(lr=1e-3)
    source = resnet_small()
    tuned, opt = variant("fine-tuned-book", source, cfg)
    assert [g["lr"] for g in opt.param_groups] == [1e-3, 1e-2]  # the book: the new output layer at 10x the body
    assert [g["lr"] for g in variant("fine-tuned", source, cfg)[1].param_groups] == [1e-2, 1e-2]  # body_lr_scale 1
    torch.testing.assert_close(tuned.net[0][0].weight, source.net[0][0].weight)  # the body is copied
    frozen, opt = variant("frozen", source, cfg)
    assert len(opt.param_groups) == 1 and not frozen.net[0][0].weight.requires_grad
    assert all(p.requires_grad for p in frozen.net[-1].parameters())
    scratch, opt = variant("scratch", source, cfg)
    assert opt.param_groups[0]["lr"] == 1e-2 and not torch.equal(scratch.net[0][0].weight, source.net[0][0].weight)


def test_the_recipe_reports_all_three_and_reuses_the_cached_source(tmp_path, capsys):
    from dive.cli.run import run_recipe

    record = run_recipe("fine-tune", "tiny", out=tmp_path / "a", device="cpu", progress=False)
    for key in (
        "test_acc_scratch",
        "test_acc_frozen",
        "test_acc_fine-tuned-book",
        "test_acc_fine-tuned",
        "gain_over_scratch",
        "splits_won",
        "test_acc_scratch_sd",
    ):
        assert key in record["metrics"]
    assert "pretraining on" in capsys.readouterr().out
    run_recipe("fine-tune", "tiny", out=tmp_path / "b", device="cpu", progress=False)
    assert "resnet-small-fashion-mnist, from" in capsys.readouterr().out


def _hotdog(root):
    from PIL import Image

    for split in ("train", "test"):
        for c, colour in (("hotdog", (200, 80, 40)), ("not-hotdog", (40, 120, 200))):
            (root / split / c).mkdir(parents=True)
            for i in range(3):
                Image.new("RGB", (60 + i, 50), colour).save(root / split / c / f"{i}.jpg")
    return root


def test_the_books_experiment_runs_with_user_weights_and_refuses_weights_that_do_not_fit(tmp_path, capsys):
    import torchvision

    from dive.cli.main import main
    from dive.cli.run import run_recipe

    data = _hotdog(tmp_path / "hotdog")
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), tmp_path / "r18.pth")
    over = [f"weights={tmp_path / 'r18.pth'}", f"classes_dir={data}", "synthetic=false", "max_epochs=1", "batch_size=6"]
    record = run_recipe("fine-tune", "tiny", over, out=tmp_path / "run", device="cpu", progress=False)
    assert "hotdog images to train on" in record["summary"] and 0 <= record["metrics"]["test_acc"] <= 1
    torch.save(torchvision.models.resnet34(weights=None).state_dict(), tmp_path / "r34.pth")
    args = ["run", "fine-tune", "--profile", "tiny", f"--weights={tmp_path / 'r34.pth'}", f"--classes_dir={data}",
            "--out", str(tmp_path / "bad")]  # fmt: skip
    assert main(args) == 2
    assert "does not fit the torchvision ResNet-18 (unexpected" in capsys.readouterr().err
