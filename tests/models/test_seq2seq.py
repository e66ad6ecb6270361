"""Encoder-decoder models: the Transformer's key-value cache equals recomputation equals the full forward,
padding beyond a source's valid length is ignored, and translation decodes greedily or with a beam."""

import pytest
import torch

from dive.models import Seq2Seq, Seq2SeqAttention, Transformer, translate
from dive.text import Vocab


def _transformer():
    torch.manual_seed(0)
    return Transformer(20, 30, num_hiddens=32, ffn_num_hiddens=16, num_heads=4, num_blks=2, dropout=0.1).eval()


def test_kv_cache_recompute_and_full_forward_agree():
    model = _transformer()
    enc_X, valid = torch.randint(0, 20, (2, 7)), torch.tensor([7, 4])
    dec_X = torch.randint(0, 30, (2, 6))
    full = model(enc_X, dec_X, valid)  # teacher-forced, causal mask
    enc = model.encoder(enc_X, valid)
    for mode in ("kv", "recompute"):
        state = model.decoder.init_state(enc, valid, mode=mode)
        steps = []
        for t in range(6):
            logits, state = model.decoder(dec_X[:, t : t + 1], state)
            steps.append(logits)
        torch.testing.assert_close(torch.cat(steps, dim=1), full, atol=1e-5, rtol=1e-5)
    state = model.decoder.init_state(enc, valid, mode="kv")
    assert state["cache"] is not None
    model.decoder(dec_X[:, :3], state)  # a prefix at once, then one more step
    step4, _ = model.decoder(dec_X[:, 3:4], state)
    torch.testing.assert_close(step4, full[:, 3:4], atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="mode"):
        model.decoder.init_state(enc, valid, mode="fast")


@pytest.mark.parametrize("cls", [Seq2Seq, Seq2SeqAttention, Transformer])
def test_source_padding_beyond_valid_length_is_ignored(cls):
    torch.manual_seed(0)
    kwargs = {"num_hiddens": 16} if cls is Transformer else {"embed_size": 8, "num_hiddens": 16}
    model = cls(20, 30, dropout=0.0, **kwargs).eval()
    enc_X = torch.randint(0, 20, (1, 6))
    other = enc_X.clone()
    other[0, 4:] = (other[0, 4:] + 1) % 20  # change only the padding positions
    dec_X = torch.randint(0, 30, (1, 5))
    a, b = model(enc_X, dec_X, torch.tensor([4])), model(other, dec_X, torch.tensor([4]))
    if cls is Transformer:
        torch.testing.assert_close(a, b)
    else:  # the GRU encoder reads the padding into its final state (as in the book); attention masks it only
        assert not torch.allclose(a, b)


@pytest.mark.parametrize("cls", [Seq2Seq, Seq2SeqAttention, Transformer])
def test_translate_greedy_and_beam(cls):
    src_vocab = Vocab(["go", ".", "i", "lost"], reserved_tokens=["<pad>", "<bos>", "<eos>"])
    tgt_vocab = Vocab(["va", "!", "j'ai", "perdu", "."], reserved_tokens=["<pad>", "<bos>", "<eos>"])
    torch.manual_seed(0)
    model = cls(len(src_vocab), len(tgt_vocab), num_hiddens=16, dropout=0.0)
    greedy = translate(model, ["go", "."], src_vocab, tgt_vocab, num_steps=5)
    beam = translate(model, ["go", "."], src_vocab, tgt_vocab, num_steps=5, beam_size=3)
    assert 0 <= len(greedy) <= 5 and 0 <= len(beam) <= 5 and "<eos>" not in greedy
    assert model.training  # translate restores the mode


def test_vit_patches_class_token_and_sizes():
    from dive.models import ViT
    from dive.models.vit import PatchEmbedding

    pe = PatchEmbedding(img_size=28, patch_size=4, num_hiddens=8)
    assert pe.num_patches == 49 and pe(torch.zeros(2, 1, 28, 28)).shape == (2, 49, 8)
    with pytest.raises(ValueError, match="multiple"):
        PatchEmbedding(img_size=28, patch_size=5)
    model = ViT(img_size=28, patch_size=7, num_hiddens=16, mlp_num_hiddens=32, num_heads=2, num_blks=1).eval()
    assert model.pos_embedding.shape == (1, 17, 16)  # 16 patches + the class token
    X = torch.rand(3, 1, 28, 28)
    assert model(X).shape == (3, 10)
    # attention is order-blind: without position embeddings, reordering the patches leaves the class token's
    # output unchanged; the learned position embeddings are what tell the model where a patch was
    with torch.no_grad():
        model.pos_embedding.zero_()
        # dims (B, C, patch row, pixel row, patch col, pixel col): reverse the patch grid, keep each patch intact
        reordered = X.reshape(3, 1, 4, 7, 4, 7).flip(2).flip(4).reshape(3, 1, 28, 28)
        torch.testing.assert_close(model(reordered), model(X), atol=1e-5, rtol=1e-5)
        assert not torch.allclose(reordered, X)
