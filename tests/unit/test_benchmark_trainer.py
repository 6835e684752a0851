"""`mp2v benchmark --trainer`: the MP2V fits' trainer, its torch options, and the refusal without torch."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mp2v.cli.main import app
from mp2v.errors import ConfigError
from mp2v.experiments.benchmark import methods
from mp2v.experiments.benchmark.config import BenchmarkConfig
from mp2v.experiments.benchmark.space import MP2V_SPACE
from mp2v.experiments.experiment import Mp2vSpec
from mp2v.graph.model import GraphModel
from mp2v.training import torch_options
from mp2v.training.torch_options import TorchOptions
from mp2v.types import Device, Trainer


def _spec(config: BenchmarkConfig, extra: dict[str, object] | None = None) -> Mp2vSpec:
    # The same merge as Benchmark._mp2v's fit: a row's own trainer (the kernel ablations) wins.
    params = {**config.trainer_params(), **MP2V_SPACE.start, **(extra or {})}
    return methods.mp2v_spec(GraphModel(dataset="fake"), params, seed=3, name="MP2V")


def test_gensim_default_adds_no_keys_so_stored_runs_keep_theirs() -> None:
    assert BenchmarkConfig().trainer_params() == {}
    spec = _spec(BenchmarkConfig())
    assert spec.trainer is Trainer.GENSIM


@pytest.mark.parametrize("trainer", [Trainer.TORCH, Trainer.TORCH_TYPED])
def test_torch_trainer_reaches_the_spec_with_device_and_ranks(trainer: Trainer) -> None:
    config = BenchmarkConfig(trainer=trainer, torch=TorchOptions(Device.CPU, processes=2))
    assert config.trainer_params() == {"trainer": str(trainer), "device": "cpu", "processes": 2}
    spec = _spec(config)
    assert spec.trainer is trainer
    assert spec.torch.device is Device.CPU and spec.torch.processes == 2


def test_numba_trainer_has_no_torch_keys_and_ablations_keep_their_own_trainer() -> None:
    config = BenchmarkConfig(trainer=Trainer.NUMBA)
    assert config.trainer_params() == {"trainer": "numba"}
    assert _spec(config).trainer is Trainer.NUMBA
    assert _spec(BenchmarkConfig(trainer=Trainer.TORCH), {"trainer": "numba-typed"}).trainer is Trainer.NUMBA_TYPED


def test_benchmark_with_torch_trainer_without_torch_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch_options, "torch_available", lambda: False)
    result = CliRunner().invoke(app, ["benchmark", "--trainer", "torch", "--quick"])
    assert result.exit_code != 0
    assert "pip install" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_tail_setting_reaches_the_training_config_and_a_bad_one_is_refused() -> None:
    assert _spec(BenchmarkConfig()).train.tail_epochs == 0
    train = _spec(BenchmarkConfig(), {"tail": "2@0.005"}).train
    assert (train.tail_epochs, train.tail_alpha) == (2, 0.005)
    with pytest.raises(ConfigError, match=r"tail '1@slow': write <epochs>@<learning rate>, e.g. 1@0.0025"):
        _spec(BenchmarkConfig(), {"tail": "1@slow"})
