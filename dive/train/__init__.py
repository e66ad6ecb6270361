"""train: the one `fit` loop, its callbacks, metrics and checkpoints."""

from dive.train.callbacks import Checkpoint, EarlyStopping, History, NanGuard, Progress, TrainingDiverged
from dive.train.checkpoint import CheckpointError, load_checkpoint, load_weights, read_checkpoint, save_checkpoint
from dive.train.metrics import (
    Metric,
    accuracy,
    correct_count,
    format_summary,
    log_rmse,
    perplexity,
    sequence_loss,
    squared_log_error_sum,
    token_nll_sum,
)
from dive.train.trainer import Callback, FitState, StopTraining, Trainer

__all__ = [
    "Callback",
    "Checkpoint",
    "CheckpointError",
    "EarlyStopping",
    "FitState",
    "History",
    "Metric",
    "NanGuard",
    "Progress",
    "StopTraining",
    "Trainer",
    "TrainingDiverged",
    "accuracy",
    "correct_count",
    "format_summary",
    "load_checkpoint",
    "load_weights",
    "log_rmse",
    "perplexity",
    "sequence_loss",
    "token_nll_sum",
    "read_checkpoint",
    "save_checkpoint",
    "squared_log_error_sum",
]
