"""The qwen2.5-vl answerer end to end on a tiny random Qwen2.5-VL, in both vision modes.

Random weights: only that the pipeline runs (prompt, patches, projector, greedy decoding,
letter rule, counting) is checked, never its accuracy.
"""

from __future__ import annotations

import json

import pytest
import torch

import benchmarks
from benchmarks.cli import main
from benchmarks.families.vqa.answerers import VQAItem
from benchmarks.families.vqa.family import VQAParams
from benchmarks.families.vqa.projector import ProjectorConfig, TokenProjector
from benchmarks.families.vqa.qwen import QwenAnswerer
from benchmarks.families.vqa.qwen_inputs import VideoPatching, chat_prompt
from benchmarks.vqa_train_projector import main as train_main
from tests.helpers.tiny_qwen import build_tiny_qwen


@pytest.fixture(scope="module")
def qwen(tmp_path_factory):
    return build_tiny_qwen(tmp_path_factory.mktemp("qwen"))


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory):
    """Three demo questions (two sub-tasks) in MVBench's layout."""
    from benchmarks.datasets.mvbench import demo as mvbench_demo

    root = tmp_path_factory.mktemp("mvbench")
    (root / "json").mkdir()
    for index, task in enumerate(("moving_direction", "episodic_reasoning")):
        folder = root / "video" / mvbench_demo.FOLDERS[task]
        folder.mkdir(parents=True)
        entries = []
        for entry in mvbench_demo._entries(task, index, folder):
            entries.append(entry)
            if len(entries) == (2 if index == 0 else 1):
                break
        (root / "json" / f"{task}.json").write_text(json.dumps(entries))
    return root


def test_prompt_is_mvbench_s():
    text = chat_prompt(VQAItem("Which way?", ("left", "right")), 2, system="S\n",
                       suffix="\nOnly give the best option.", answer_prompt="Best option:(")
    assert text == ("<|im_start|>system\nS\n<|im_end|>\n<|im_start|>user\n<|vision_start|>"
                    "<|video_pad|><|video_pad|><|vision_end|>Question: Which way?\nOptions:\n"
                    "(A) left\n(B) right\nOnly give the best option.<|im_end|>\n"
                    "<|im_start|>assistant\nBest option:(")


def test_patches_follow_the_qwen2_vl_layout():
    patching = VideoPatching(min_pixels=56 * 56, max_pixels=56 * 56)
    video = torch.rand(3, 3, 64, 64) * 2 - 1  # 3 frames: padded to 4 (temporal patch 2)
    flat, grid = patching.patches(video)
    assert grid.tolist() == [[2, 4, 4]] and flat.shape == (32, 3 * 2 * 14 * 14)
    assert patching.n_tokens(grid) == 8


def test_vlm_mode_answers(qwen):
    params = VQAParams(answerer="qwen2.5-vl", qwen_path=str(qwen), max_new_tokens=3)
    answerer = QwenAnswerer(tokenizer=None, params=params, device=torch.device("cpu"))
    video = torch.rand(2, 3, 4, 32, 32) * 2 - 1
    items = [VQAItem("Which direction does the circle move?", ("left", "right")),
             VQAItem("What is the circle doing?", ("up", "down", "left"))]
    answers = answerer.answer(video, items)
    assert len(answers) == 2 and all(isinstance(a, str) for a in answers)
    assert answerer.answer(video, items) == answers  # greedy: deterministic


def test_projector_checkpoint_round_trips(tmp_path):
    torch.manual_seed(0)
    module = TokenProjector(ProjectorConfig(feature_dim=8, hidden_size=16, levels=2,
                                            grid=(1, 2, 2), trained={"steps": 3}))
    levels = [torch.randn(1, 8, 3, 4, 4), torch.randn(1, 8, 1, 2, 2)]
    module.save(tmp_path)
    loaded = TokenProjector.load(tmp_path)
    assert loaded.config == module.config
    assert torch.equal(loaded(levels), module(levels)) and module(levels).shape == (1, 8, 16)
    (tmp_path / "projector.json").write_text('{"format": "other"}')
    with pytest.raises(ValueError, match="projector.json"):
        TokenProjector.load(tmp_path)


@pytest.mark.slow
def test_both_modes_run_end_to_end(qwen, tiny_set, tmp_path, capsys):
    ckpt = tmp_path / "projector"
    # avgpool (one level, no weights) keeps this fast; the projector takes any level count
    assert train_main(["--task", "mvbench", "--tokenizer", "avgpool", "--qwen", str(qwen),
                       "--out", str(ckpt), "--data-root", str(tiny_set), "--steps", "4",
                       "--grid", "2", "2", "2"]) == 0
    trained = json.loads(capsys.readouterr().out)
    assert trained["questions"] == 3 and trained["steps"] == 4
    assert json.loads((ckpt / "projector.json").read_text())["format"] == \
        "pyratok-vqa-projector"
    for vision, extra in (("vlm", {}), ("tokenizer", {"projector": str(ckpt)})):
        summary = benchmarks.evaluate(
            "mvbench", "avgpool", data_root=tiny_set, output=tmp_path / "runs",
            run_name=vision, progress=False, num_workers=0, answerer="qwen2.5-vl",
            qwen_path=str(qwen),
            vision=vision, max_new_tokens=3, **extra)
        assert summary["n_samples"] == 3 and summary["n_failed"] == 0
        assert summary["evaluation"]["n_questions"] == 3
        assert summary["evaluation"]["vision"] == vision
        answers = json.loads((tmp_path / "runs" / "mvbench" / vision / "answers.json")
                             .read_text())["questions"]
        assert [a["question_id"] for a in answers] == [
            "moving_direction/0", "moving_direction/1", "episodic_reasoning/0"]
        assert all(isinstance(a["answer"], str) and "status" in a for a in answers)


@pytest.mark.parametrize(("args", "named"), [
    (["--task-arg", "answerer=qwen2.5-vl"], "qwen_path"),
    (["--task-arg", "answerer=qwen2.5-vl", "--task-arg", "qwen_path=/nonexistent"],
     "/nonexistent"),
    (["--task-arg", "answerer=qwen"], "did you mean"),
])
def test_usage_mistakes_exit_2_with_one_line(capsys, tmp_path, args, named):
    code = main(["run", "--task", "mvbench", "--tokenizer", "pyratok", "--output",
                 str(tmp_path), *args])
    err = capsys.readouterr().err
    assert code == 2 and named in err and len(err.strip().splitlines()) == 1


def test_tokenizer_mode_needs_a_projector(capsys, qwen, tmp_path):
    code = main(["run", "--task", "mvbench", "--tokenizer", "pyratok", "--output",
                 str(tmp_path), "--task-arg", "answerer=qwen2.5-vl", "--task-arg",
                 f"qwen_path={qwen}", "--task-arg", "vision=tokenizer"])
    err = capsys.readouterr().err
    assert code == 2 and "vqa_train_projector" in err and len(err.strip().splitlines()) == 1
