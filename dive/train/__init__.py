"""train: the one `fit` loop, its callbacks, metrics, checkpoints and data-parallel helpers."""

from dive.train.callbacks import Checkpoint, EarlyStopping, History, NanGuard, Progress, TrainingDiverged
from dive.train.checkpoint import CheckpointError, load_checkpoint, load_weights, read_checkpoint, save_checkpoint
from dive.train.distributed import (
    DistInfo,
    all_reduce_sums,
    env_dist_info,
    init_distributed,
    shard_loader,
    shutdown_distributed,
    spawn_local,
    world,
)
from dive.train.metrics import (
    Metric,
    accuracy,
    confusion_matrix,
    correct_count,
    format_summary,
    log_rmse,
    perplexity,
    sequence_loss,
    squared_log_error_sum,
    token_count,
    token_nll_sum,
)
from dive.train.optim import SGD, Adam
from dive.train.steps import SequenceStep, Step, StepOut, SupervisedStep, detach_state
from dive.train.trainer import Callback, FitState, StopTraining, Trainer

__all__ = [
    "Adam",
    "SGD",
    "confusion_matrix",
    "Callback",
    "Checkpoint",
    "CheckpointError",
    "DistInfo",
    "EarlyStopping",
    "FitState",
    "History",
    "Metric",
    "NanGuard",
    "SequenceStep",
    "Step",
    "StepOut",
    "SupervisedStep",
    "detach_state",
    "Progress",
    "StopTraining",
    "Trainer",
    "TrainingDiverged",
    "accuracy",
    "all_reduce_sums",
    "correct_count",
    "env_dist_info",
    "format_summary",
    "init_distributed",
    "load_checkpoint",
    "load_weights",
    "log_rmse",
    "perplexity",
    "sequence_loss",
    "shard_loader",
    "shutdown_distributed",
    "spawn_local",
    "token_count",
    "token_nll_sum",
    "read_checkpoint",
    "save_checkpoint",
    "squared_log_error_sum",
    "world",
]
