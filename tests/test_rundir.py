"""The run-directory contract: refuse, resume, overwrite, writable first, atomic, strict JSON."""

import json
import os

import pytest

from deeper.components import rundir


def _strict(text):
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")
    return json.loads(text, parse_constant=refuse)


def test_existing_run_is_refused_and_left_unchanged(tmp_path):
    (tmp_path / "metrics.json").write_text("{}")
    with pytest.raises(FileExistsError, match="resume=True"):
        rundir.prepare_run_dir(tmp_path)
    assert os.listdir(tmp_path) == ["metrics.json"]
    assert (tmp_path / "metrics.json").read_text() == "{}"


def test_resume_keeps_and_overwrite_replaces(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "model.keras").write_text("x")
    assert rundir.prepare_run_dir(tmp_path, resume=True) == "resume"
    assert sorted(os.listdir(tmp_path)) == ["model.keras", "old"]
    assert rundir.prepare_run_dir(tmp_path, overwrite=True) == "overwrite"
    assert os.listdir(tmp_path) == []
    assert rundir.prepare_run_dir(tmp_path / "new" / "run") == "new"
    assert rundir.prepare_run_dir(tmp_path / "other", resume=True) == "new"


def test_resume_and_overwrite_together_and_non_booleans_are_refused(tmp_path):
    with pytest.raises(ValueError, match="`resume` and `overwrite`"):
        rundir.prepare_run_dir(tmp_path, resume=True, overwrite=True)
    with pytest.raises(TypeError, match="`overwrite`"):
        rundir.prepare_run_dir(tmp_path, overwrite="False")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into read-only directories")
def test_read_only_directory_fails_before_training(tmp_path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="`output_dir` must be a writable"):
            rundir.prepare_run_dir(tmp_path)
    finally:
        tmp_path.chmod(0o700)


def test_unwritable_directory_fails_before_training(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(PermissionError, match="`output_dir` must be a writable"):
        rundir.prepare_run_dir(tmp_path / "file" / "run")


def test_atomic_write_leaves_the_old_file_when_interrupted(tmp_path):
    target = tmp_path / "model.keras"
    rundir.atomic_write(target, b"old")

    def half_then_fail(file):
        file.write(b"new, half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        rundir.atomic_write(target, half_then_fail)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.keras"]  # no temporary file left behind
    rundir.atomic_write(target, "new")
    assert target.read_text() == "new"


def test_atomic_path_for_writers_that_need_a_file_name(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    target = tmp_path / "model.keras"
    with rundir.atomic_path(target) as temporary:
        assert temporary.endswith(".keras") and os.path.dirname(temporary) == str(tmp_path)
        model.save(temporary)
    assert os.listdir(tmp_path) == ["model.keras"]
    keras.saving.load_model(target)
    with pytest.raises(RuntimeError, match="killed"):
        with rundir.atomic_path(target) as temporary:
            open(temporary, "w").write("trunc")
            raise RuntimeError("killed while saving")
    assert os.listdir(tmp_path) == ["model.keras"]
    keras.saving.load_model(target)  # the old, complete file


def test_metrics_record_is_strict_json_with_status_and_versions(tmp_path):
    record = rundir.metrics_record({"test_loss": float("nan"), "accuracy": 0.5,
                                    "history": {"loss": [1.0, float("inf")]}},
                                   config={"learning_rate": 1e6})
    path = rundir.write_json(tmp_path / "metrics.json", record)
    loaded = _strict(open(path).read())
    assert loaded["status"] == "non_finite"
    assert loaded["non_finite"] == ["test_loss", "history.loss[1]"]
    assert loaded["metrics"]["test_loss"] is None and loaded["metrics"]["accuracy"] == 0.5
    assert loaded["config"] == {"learning_rate": 1e6}
    assert set(loaded["versions"]) == {"deeper", "keras", "tensorflow", "python", "backend"}
    assert rundir.metrics_record({"accuracy": 0.9})["status"] == "ok"
    with pytest.raises(ValueError, match="non-standard"):
        _strict(json.dumps({"x": float("nan")}))  # what json.dump writes by default
