"""style-transfer (book §14.12): the losses as the book defines them; the image is the only parameter."""

import torch

from dive.recipes.style_transfer import SynthesizedImage, gram, tv_loss


def test_gram_and_tv_by_hand():
    X = torch.tensor([[[[1.0, 2.0]], [[3.0, 4.0]]]])  # (1, 2, 1, 2)
    assert gram(X).tolist() == [[5 / 4, 11 / 4], [11 / 4, 25 / 4]]  # X X^T / (C * H * W)
    Y = torch.tensor([[[[0.0, 1.0], [2.0, 4.0]]]])
    assert float(tv_loss(Y)) == 0.5 * ((2 + 3) / 2 + (1 + 2) / 2)


def test_the_recipe_writes_the_image_and_three_loss_curves_and_refuses_other_weights(tmp_path, capsys):
    import json

    import torchvision

    from dive.cli.main import main
    from dive.cli.run import run_recipe

    record = run_recipe("style-transfer", "tiny", out=tmp_path / "run", device="cpu", progress=False)
    assert "pretrained by dive" in record["summary"] and (tmp_path / "run" / "result.png").stat().st_size > 0
    assert "far weaker than the book's ImageNet" in record["summary"]
    epochs = [json.loads(x) for x in (tmp_path / "run" / "history.jsonl").read_text().splitlines()]
    last = [r for r in epochs if r["kind"] == "epoch"][-1]
    assert {"train_content", "train_style", "train_tv"} <= set(last)
    assert list(dict(SynthesizedImage(torch.zeros(1, 3, 2, 2)).named_parameters())) == ["weight"]
    torch.save(torchvision.models.vgg11(weights=None).state_dict(), tmp_path / "vgg11.pth")
    args = ["run", "style-transfer", "--profile", "tiny", f"--weights={tmp_path / 'vgg11.pth'}", "--out",
            str(tmp_path / "bad")]  # fmt: skip
    assert main(args) == 2
    assert "does not fit the torchvision VGG-19" in capsys.readouterr().err
    args = ["run", "style-transfer", "--profile", "tiny", "--extractor", "vgg19-random", "--out", str(tmp_path / "v")]
    assert main(args) == 0 and "RANDOM weights" in capsys.readouterr().out
    args = ["run", "style-transfer", "--profile", "tiny", "--extractor", "alexnet", "--out", str(tmp_path / "a")]
    assert main(args) == 2 and "--extractor is one of vgg19-random, kaggle-cifar10" in capsys.readouterr().err
