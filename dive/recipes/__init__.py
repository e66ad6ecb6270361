"""recipes: one module per book section; the only place that wires data + model + loss + optimizer + trainer.

Importing this package registers every recipe in `RECIPES`.
"""

from dive.recipes import (  # noqa: F401  (imported to register)
    airfoil,
    attention,
    augmentation,
    autograd_scratch,
    batchnorm,
    bert,
    calculus,
    click_through,
    cnn,
    data_parallel,
    dcgan,
    dqn,
    faster_rcnn,
    fasttext,
    fcn,
    fine_tune,
    gan,
    gaussian_process,
    glove,
    hpo,
    kaggle_cifar10,
    kaggle_house,
    lenet,
    linear_regression,
    lr_schedules,
    minibatch_sgd,
    mlp,
    nadaraya_watson,
    nli,
    nli_bert,
    optim_landscapes,
    optim_traces,
    polynomial,
    preliminaries,
    recsys,
    recsys_rank,
    rnn,
    roi_pooling,
    sentiment,
    sequence_sine,
    softmax_regression,
    ssd,
    style_transfer,
    tabular_rl,
    weight_decay,
    word2vec,
)
from dive.recipes.base import RECIPES, Profile, Recipe, RunContext, RunResult, TrainConfig, recipe, register
from dive.recipes.common import check_resumable
from dive.recipes.export import FORMATS as EXPORT_FORMATS
from dive.recipes.export import export
from dive.recipes.parts import ModelPart, Prediction, Predictor, Trained
from dive.recipes.trained import checkpoint_path, load_trained, predict

__all__ = [
    "EXPORT_FORMATS",
    "RECIPES",
    "export",
    "ModelPart",
    "Prediction",
    "Predictor",
    "Profile",
    "Recipe",
    "RunContext",
    "RunResult",
    "TrainConfig",
    "Trained",
    "check_resumable",
    "checkpoint_path",
    "load_trained",
    "predict",
    "recipe",
    "register",
]
