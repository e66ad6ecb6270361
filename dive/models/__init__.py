"""models: concise `torch.nn` models, one file per family, registered by name in `MODELS`."""

from dive.models.alexnet import AlexNet, alexnet_small
from dive.models.bahdanau import Seq2SeqAttention, Seq2SeqAttentionDecoder, seq2seq_bahdanau
from dive.models.batchnorm import BNLeNet
from dive.models.dcgan import GAN, D_block, DCGANDiscriminator, DCGANGenerator, G_block
from dive.models.densenet import DenseBlock, DenseNet, conv_block, densenet_small, transition_block
from dive.models.encoder_decoder import (
    Decoder,
    Encoder,
    EncoderDecoder,
    cross_attention,
    greedy_translate_batch,
    translate,
)
from dive.models.faster_rcnn import faster_rcnn_mobilenet
from dive.models.fcn import FCN
from dive.models.googlenet import GoogLeNet, Inception, googlenet_small
from dive.models.lenet import LeNet, lenet_modern
from dive.models.linear import LinearRegression, SoftmaxRegression
from dive.models.mlp import MLP, dropout_mlp
from dive.models.nin import NiN, nin_block, nin_small
from dive.models.registry import MODELS, ModelEntry, register_model
from dive.models.resnet import (
    Residual,
    ResNet18,
    ResNeXtBlock,
    ResNeXtSmall,
    resnet18_cifar,
    resnet_block,
    resnet_small,
)
from dive.models.rnn_lm import CELLS, RNNLM, bigru_lm, deep_gru_lm, gru_lm, lstm_lm, rnn_lm
from dive.models.seq2seq import Seq2Seq, Seq2SeqDecoder, Seq2SeqEncoder, init_seq2seq, seq2seq_gru
from dive.models.ssd import TinySSD, detect, down_sample_blk
from dive.models.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderBlock,
    TransformerEncoder,
    TransformerEncoderBlock,
    transformer_mt,
)
from dive.models.vgg import VGG, vgg11, vgg_block, vgg_slim, vgg_small
from dive.models.vit import PatchEmbedding, ViT, ViTBlock, vit, vit_small

__all__ = [
    "GAN",
    "D_block",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "G_block",
    "resnet18_cifar",
    "faster_rcnn_mobilenet",
    "FCN",
    "TinySSD",
    "detect",
    "down_sample_blk",
    "PatchEmbedding",
    "ViT",
    "ViTBlock",
    "vit",
    "vit_small",
    "Seq2SeqAttention",
    "Seq2SeqAttentionDecoder",
    "seq2seq_bahdanau",
    "Decoder",
    "Encoder",
    "EncoderDecoder",
    "translate",
    "cross_attention",
    "greedy_translate_batch",
    "Seq2Seq",
    "Seq2SeqDecoder",
    "Seq2SeqEncoder",
    "init_seq2seq",
    "seq2seq_gru",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderBlock",
    "TransformerEncoder",
    "TransformerEncoderBlock",
    "transformer_mt",
    "CELLS",
    "RNNLM",
    "bigru_lm",
    "deep_gru_lm",
    "gru_lm",
    "lstm_lm",
    "rnn_lm",
    "MLP",
    "MODELS",
    "VGG",
    "AlexNet",
    "BNLeNet",
    "DenseBlock",
    "DenseNet",
    "GoogLeNet",
    "Inception",
    "LeNet",
    "LinearRegression",
    "ModelEntry",
    "NiN",
    "ResNeXtBlock",
    "ResNeXtSmall",
    "ResNet18",
    "Residual",
    "SoftmaxRegression",
    "alexnet_small",
    "conv_block",
    "densenet_small",
    "dropout_mlp",
    "googlenet_small",
    "lenet_modern",
    "nin_block",
    "nin_small",
    "register_model",
    "resnet_block",
    "resnet_small",
    "transition_block",
    "vgg11",
    "vgg_block",
    "vgg_slim",
    "vgg_small",
]
