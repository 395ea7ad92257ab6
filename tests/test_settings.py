"""The settings table (tuinn.settings) and everything made from it: the engine's
names, the Trainer's settings, the run file's sections, the flags, the app's
Settings tab and README's key table (the app's keys come from one table too)."""

import re

import pytest
import tuinn
from tuinn import options, settings
from tuinn._kernel import ffi
from tuinn.cli import parser
from tuinn.engine import KERNEL_CODES
from tuinn.errors import ConfigError
from tuinn.runs import RunSpec
from tuinn.runs.spec import SECTION_CLASSES
from tuinn.settings import SETTINGS, TRAINER
from tuinn.tui.keys import KEYS

from conftest import ROOT


def test_the_kernel_codes_name_exactly_the_tables_choices():
    for key, codes in KERNEL_CODES.items():
        assert tuple(codes) == SETTINGS[key].choices, key


def test_every_kernel_setting_is_a_field_of_the_kernels_hyperparameters():
    fields = {name for name, _ in ffi.typeof("tn_hyper").fields}
    kernel = {row.name for row in SETTINGS.values() if row.kernel}
    assert kernel <= fields
    # batch_size and shuffle are the kernel's too, resolved per call from the data's size.
    assert fields - kernel == {"batch_size", "shuffle"}


def test_the_trainer_holds_every_training_setting_at_its_default():
    trainer = tuinn.Trainer(tuinn.Net(1, 2, 1))
    assert tuple(trainer.settings) == TRAINER
    assert trainer.settings == settings.trainer_defaults()


@pytest.mark.parametrize("name", TRAINER)
def test_the_trainer_refuses_what_the_table_refuses(name):
    row = SETTINGS[f"train.{name}"]
    bad = "nope" if row.choices else -1
    with pytest.raises(ConfigError) as table:
        row.check(bad)
    with pytest.raises(ConfigError) as trainer:
        tuinn.Trainer(tuinn.Net(1, 2, 1)).set(**{name: bad})
    assert str(table.value) == str(trainer.value)


def test_the_run_files_sections_are_the_tables_rows():
    for name, section_class in SECTION_CLASSES.items():
        fields = [f for f in section_class.__dataclass_fields__]
        assert fields == [row.name for row in settings.section(name)]
        defaults = section_class()
        for row in settings.section(name):
            assert getattr(defaults, row.name) == row.default, row.key


@pytest.mark.parametrize("row", [r for r in SETTINGS.values() if r.flag], ids=lambda r: r.key)
def test_every_flag_sets_its_setting(row):
    if row.kind is bool:
        argv = [row.flag]
        want = True
    else:
        low = row.low or 0
        value = row.choices[-1] if row.choices else (low + row.high) / 2 if row.high else low + 1
        value = int(value) if row.kind is int else value
        argv, want = [row.flag, str(value)], row.parse(str(value))
    args = parser().parse_args(["train", "--preset", "exp", *argv])
    assert options.spec_from_args(args).get(row.key) == want


@pytest.mark.parametrize("key,text,want", [
    ("train.lr", "0.5", 0.5), ("train.batch_size", "auto", None), ("train.shuffle", "off", False),
    ("data.standardize_inputs", "yes", True), ("model.activation", "tanh", "tanh"),
    ("model.hidden_units", " 12 ", 12),
])
def test_typed_text_is_parsed_by_its_row(key, text, want):
    assert SETTINGS[key].parse(text) == want


@pytest.mark.parametrize("key,text,words", [
    ("train.lr", "0", "lr (learning rate) must be > 0, got 0"),
    ("train.lr", "fast", "must be a number, not 'fast'"),
    ("model.activation", "ReLU", "did you mean 'relu'?"),
    ("train.shuffle", "maybe", "true or false or auto"),
    ("model.hidden_units", "2.5", "must be a whole number"),
])
def test_typed_text_is_refused_with_the_rows_message(key, text, words):
    with pytest.raises(ConfigError, match=re.escape(words)):
        SETTINGS[key].parse(text)


def test_a_run_file_value_is_checked_by_its_row_and_named_by_its_key():
    with pytest.raises(ConfigError, match=r"run file: train.momentum must be >= 0 and < 1, "
                                          r"got 1.5"):
        RunSpec.from_toml("[train]\nmomentum = 1.5\n")


def test_readme_lists_every_key_of_the_apps_key_table_and_of_compare():
    from tuinn.tui import compare

    readme = (ROOT / "README.md").read_text()
    tables = [re.findall(r"^\| (.+?) \| (.+?) \|$", part.split("\n\n")[0], re.M)
              for part in readme.split("| key | does |")[1:]]
    assert tables == [[(key.keys, key.help) for key in KEYS],
                      [(key.keys, key.help) for key in compare.KEYS]]


def test_a_long_paste_is_never_echoed_in_full():
    from tuinn.settings import SETTINGS

    for key in ("train.lr", "train.epochs", "train.optimizer", "data.standardize_inputs"):
        with pytest.raises(ConfigError) as caught:
            SETTINGS[key].parse("9" * 5000 + "x")
        assert len(str(caught.value)) < 200, str(caught.value)
