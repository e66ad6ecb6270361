"""DCGAN (§20.2): the one-optimizer alternating step equals the book's two optimizers, the Fréchet distance equals
torchmetrics' FID on the same features, the networks' shapes and the paper's discriminator, the ImageFolder reader
(folder and zip), and a tiny run that repeats from its seed and resumes exactly."""

import copy
import io
import zipfile

import pytest
import torch
from torch import nn

from dive.cli.run import run_recipe
from dive.data.image_folders import load_image_folder
from dive.models import GAN, DCGANDiscriminator, DCGANGenerator
from dive.train import GANStep, frechet_distance


def small_gan(seed=0):
    torch.manual_seed(seed)
    return GAN(DCGANGenerator(latent_dim=8, n_G=4, size=16, channels=1), DCGANDiscriminator(n_D=4, size=16, channels=1))


def test_one_optimizer_with_two_groups_is_the_books_two_optimizers():
    """Three steps of GANStep against the book's update_D then update_G, each with its own Adam (sum losses)."""
    gan, book = small_gan(), small_gan()
    hp = {"lr": 0.005, "betas": (0.5, 0.999)}
    opt = torch.optim.Adam([{"params": gan.discriminator.parameters()}, {"params": gan.generator.parameters()}], **hp)
    step = GANStep(gan, opt, latent_dim=8)
    opt_D, opt_G = (
        torch.optim.Adam(book.discriminator.parameters(), **hp),
        torch.optim.Adam(book.generator.parameters(), **hp),
    )
    loss = nn.BCEWithLogitsLoss()
    for i in range(3):
        X = torch.rand(6, 1, 16, 16) * 2 - 1
        torch.manual_seed(100 + i)
        opt.zero_grad(set_to_none=True)
        step(gan, (X,), None).loss.backward()
        opt.step()
        torch.manual_seed(100 + i)  # the same noise
        Z = torch.randn(6, 8, 1, 1)
        D, G = book.discriminator, book.generator
        opt_D.zero_grad()
        loss_D = (loss(D(X), torch.ones(6, 1)) + loss(D(G(Z).detach()), torch.zeros(6, 1))) / 2
        loss_D.backward()
        opt_D.step()
        opt_G.zero_grad()
        loss(D(G(Z)), torch.ones(6, 1)).backward()
        opt_G.step()
    for (name, a), b in zip(gan.state_dict().items(), book.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=name)


def test_no_step_moves_anything_without_gradients():
    gan = small_gan()
    before = copy.deepcopy(gan.state_dict())
    opt = torch.optim.Adam(gan.parameters())
    with torch.no_grad():
        out = GANStep(gan.eval(), opt, 8)(gan, (torch.zeros(2, 1, 16, 16),), None)
    assert set(out.parts) == {"loss_D", "loss_G"}
    assert all(torch.equal(before[k], v) for k, v in gan.state_dict().items())


def test_frechet_distance_is_torchmetrics_fid_on_the_same_features():
    from torchmetrics.image.fid import FrechetInceptionDistance

    class Features(nn.Module):
        num_features = 6

        def forward(self, x):
            return x.flatten(1)[:, :6].double()

    g = torch.Generator().manual_seed(0)
    a = torch.rand(400, 1, 3, 3, generator=g)
    b = torch.rand(400, 1, 3, 3, generator=g) ** 2 + 0.1
    fid = FrechetInceptionDistance(feature=Features(), normalize=True)
    fid.update(a, real=True)
    fid.update(b, real=False)
    ours = frechet_distance(a.flatten(1)[:, :6], b.flatten(1)[:, :6])
    assert ours == pytest.approx(float(fid.compute()), rel=1e-4)
    assert frechet_distance(a.flatten(1), a.flatten(1)) == pytest.approx(0, abs=1e-9)
    # two Gaussians with known moments: |mu|^2 + tr(I + 4I - 2 * 2I) = 1 + 1 * 2
    x = torch.randn(200_000, 2, generator=g, dtype=torch.float64)
    assert frechet_distance(x, 2 * x + torch.tensor([1.0, 0.0])) == pytest.approx(3.0, rel=0.02)


@pytest.mark.parametrize("size", [32, 64])
def test_the_networks_mirror_each_other_and_the_paper_leaves_the_first_block_unnormalised(size):
    G, D = DCGANGenerator(size=size), DCGANDiscriminator(size=size)
    x = G(torch.randn(2, 100, 1, 1))
    assert x.shape == (2, 3, size, size) and D(x).shape == (2, 1)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in D.net[0])
    assert any(isinstance(m, nn.BatchNorm2d) for m in DCGANDiscriminator(size=size, first_batchnorm=True).net[0])
    with pytest.raises(ValueError, match="side of 16, 32, 64"):
        DCGANGenerator(size=48)


def write_sprites(root, n=3):
    from PIL import Image

    for cls in ("pokemon", "zzz"):
        (root / cls).mkdir(parents=True)
        for i in range(n):
            Image.new("RGBA", (20, 20), (10 * i, 200, 30, 255)).save(root / cls / f"{i}.png")


def test_the_image_folder_layout_reads_from_a_folder_and_from_its_zip(tmp_path):
    write_sprites(tmp_path / "pokemon")
    folder = load_image_folder(tmp_path / "pokemon", 16)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in sorted((tmp_path / "pokemon").rglob("*.png")):
            z.write(p, p.relative_to(tmp_path).as_posix())  # pokemon/CLASS/i.png: the book's archive, one top folder
    (tmp_path / "pokemon.zip").write_bytes(buf.getvalue())
    zipped = load_image_folder(tmp_path / "pokemon.zip", 16)
    assert folder.classes == zipped.classes == ["pokemon", "zzz"]
    assert folder.train.images.shape == (6, 3, 16, 16) and torch.equal(folder.train.images, zipped.train.images)
    assert folder.train.labels.tolist() == [0, 0, 0, 1, 1, 1]
    with pytest.raises(Exception, match="neither a folder nor a zip"):
        load_image_folder(tmp_path / "pokemon" / "zzz" / "0.png")


def test_a_dcgan_run_on_the_books_sprite_layout_draws_samples(tmp_path):
    write_sprites(tmp_path / "sprites", n=8)
    record = run_recipe("dcgan", "tiny", [f"images={tmp_path / 'sprites'}", "synthetic=False"], out=tmp_path / "run",
                        device="cpu", progress=False)  # fmt: skip
    assert "fid" not in record["metrics"] and (tmp_path / "run" / "samples" / "epoch_002.png").is_file()


def test_a_tiny_dcgan_repeats_from_its_seed_and_resumes_exactly(tmp_path):
    from safetensors.torch import load_file

    first = run_recipe("dcgan", "tiny", out=tmp_path / "a", device="cpu", progress=False)["metrics"]
    again = run_recipe("dcgan", "tiny", out=tmp_path / "b", device="cpu", progress=False)["metrics"]
    run_recipe("dcgan", "tiny", ["max_epochs=1"], out=tmp_path / "c", device="cpu", progress=False)
    resumed = run_recipe("dcgan", "tiny", out=tmp_path / "c", device="cpu", progress=False, resume=True)["metrics"]
    a, b, c = (load_file(tmp_path / d / "checkpoint.safetensors") for d in "abc")
    assert all(torch.equal(a[k], b[k]) and torch.equal(a[k], c[k]) for k in a if not k.startswith("rng."))
    assert first["fid"] == again["fid"] == resumed["fid"] and first["fid_floor"] <= first["fid_untrained"]
    assert sorted(p.name for p in (tmp_path / "a" / "samples").iterdir()) == ["epoch_001.png", "epoch_002.png"]


def test_the_trained_generator_draws_one_image_per_seed(tmp_path):
    from dive.recipes import predict

    run_recipe("dcgan", "tiny", out=tmp_path, device="cpu", progress=False)
    pred = predict(tmp_path, ["3", "4"], out=str(tmp_path / "s.png"))
    assert len(pred.value) == 2 and pred.value[0].shape == (1, 16, 16) and (tmp_path / "s.png").is_file()
    assert not torch.equal(pred.value[0], pred.value[1])
