"""keep_freed_memory: a training step stops page-faulting its activations back in; the switch turns it off."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import pytest

from dive.core.memory import keep_freed_memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"

CHILD = """
import json, resource, torch
import torch.nn.functional as F
from dive.core.memory import keep_freed_memory
from dive.models import LeNet
torch.set_num_threads(1)
kept = keep_freed_memory()
model = LeNet().to(memory_format=torch.channels_last)
X = torch.rand(128, 1, 28, 28).contiguous(memory_format=torch.channels_last)
y = torch.randint(0, 10, (128,))
def step():
    model.zero_grad()
    F.cross_entropy(model(X), y).backward()
for _ in range(5):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print(json.dumps({"kept": kept, "faults": (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20}))
"""


def _child(flag: str) -> dict:
    env = {**os.environ, "DIVE_KEEP_FREED_MEMORY": flag}
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_a_training_step_reuses_freed_memory_instead_of_faulting_pages_in():
    on = _child("1")
    assert on["kept"] is True
    # LeNet's step at batch 128 frees and re-asks for ~2.4 MB activations; with glibc's defaults that took ~2,300
    # minor page faults per step here, with the thresholds raised 0-60 (the heap still grows now and then)
    assert on["faults"] < 300, on


def test_the_switch_turns_it_off_and_a_second_call_is_a_no_op():
    off = _child("0")
    assert off["kept"] is False
    assert keep_freed_memory() == keep_freed_memory()
