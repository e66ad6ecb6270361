"""BERT (book §15.8): shapes, the masked-LM gather, and the encoder block against torch's own layer."""

import torch
from torch import nn

from dive.models.bert import BERTModel, MaskLM


def test_bert_outputs_have_the_books_shapes():
    # the book's §15.8.5 demo: vocab 10000, 2 sequences of 8 tokens, 3 predictions each
    net = BERTModel(10000, num_hiddens=128, ffn_num_hiddens=256, num_heads=2, num_blks=2, dropout=0.2)
    tokens = torch.randint(0, 10000, (2, 8))
    segments = torch.tensor([[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1, 1, 1]])
    encoded, mlm, nsp = net(tokens, segments, torch.tensor([8, 6]), torch.tensor([[1, 5, 2], [6, 1, 5]]))
    assert encoded.shape == (2, 8, 128) and mlm.shape == (2, 3, 10000) and nsp.shape == (2, 2)
    assert net(tokens, segments)[1] is None


def test_mask_lm_reads_the_encodings_at_the_predicted_positions_as_the_book_indexes_them():
    mlm = MaskLM(7, 4)
    X, pos = torch.randn(2, 5, 4), torch.tensor([[0, 3], [4, 4]])
    batch_idx = torch.repeat_interleave(torch.arange(2), 2)  # the book's indexing
    want = mlm.mlp(X[batch_idx, pos.reshape(-1)].reshape(2, 2, 4))
    assert torch.allclose(mlm(X, pos), want)


def test_the_encoder_block_equals_torch_transformer_encoder_layer_with_copied_weights(f64):
    from dive.models.transformer import TransformerEncoderBlock

    d, heads, ffn = 8, 2, 16
    ours = TransformerEncoderBlock(d, ffn, heads, 0.0, bias=True).eval()
    ref = nn.TransformerEncoderLayer(d, heads, ffn, dropout=0.0, batch_first=True, norm_first=False).eval()
    att = ours.attention
    with torch.no_grad():
        ref.self_attn.in_proj_weight.copy_(torch.cat([att.W_q.weight, att.W_k.weight, att.W_v.weight]))
        ref.self_attn.in_proj_bias.copy_(torch.cat([att.W_q.bias, att.W_k.bias, att.W_v.bias]))
        ref.self_attn.out_proj.weight.copy_(att.W_o.weight)
        ref.self_attn.out_proj.bias.copy_(att.W_o.bias)
        ref.linear1.load_state_dict(ours.ffn.dense1.state_dict())
        ref.linear2.load_state_dict(ours.ffn.dense2.state_dict())
        ref.norm1.load_state_dict(ours.addnorm1.ln.state_dict())
        ref.norm2.load_state_dict(ours.addnorm2.ln.state_dict())
    X = torch.randn(2, 5, d)
    valid = torch.tensor([5, 3])
    pad = torch.arange(5)[None] >= valid[:, None]  # torch: True = ignore this key
    got, want = ours(X, valid), ref(X, src_key_padding_mask=pad)
    assert torch.allclose(got, want, atol=1e-10)
