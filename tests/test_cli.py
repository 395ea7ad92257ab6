"""`tuinn` and `tuinn bench` as a user runs them: real subprocesses."""


from conftest import run_tuinn as tuinn


def test_help_lists_the_app_options_and_the_commands():
    done = tuinn("--help")
    assert done.returncode == 0
    for word in ("usage", "bench", "presets", "--preset", "--resume", "--ascii", "--color"):
        assert word in done.stdout, word


def test_presets_lists_every_preset_with_its_title():
    from tuinn import presets

    done = tuinn("presets")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == presets.names()
    assert all(presets.PRESETS[line.split()[0]]["title"] in line for line in lines)


def test_presets_shows_and_writes_a_run_file(tmp_path):
    from tuinn.runs import RunSpec

    shown = tuinn("presets", "coverage-bad")
    assert shown.returncode == 0, shown.stderr
    assert "x < -3" in shown.stdout and 'activation = "relu"' in shown.stdout
    path = tmp_path / "bad.toml"
    written = tuinn("presets", "coverage-bad", "--write", str(path))
    assert written.returncode == 0, written.stderr
    assert RunSpec.read(path) == RunSpec.from_preset("coverage-bad")


def test_presets_unknown_name_is_one_line_and_exit_2():
    done = tuinn("presets", "coverage-medium")
    assert done.returncode == 2
    assert done.stderr.strip() == ("tuinn: unknown preset 'coverage-medium' (did you mean "
                                   "'coverage-bad'?); `tuinn presets` lists them")


