"""One driver ranking for every surface: the CLI prints what rank_drivers returns (the Drivers
page renders the same result; tests/pages/test_drivers.py checks its table)."""

import json

import numpy as np
import pytest

from cxdata import drivers, ingest, store
from cxdata.cli import main
from cxdata.errors import InputError
from tests.conftest import DATA, copy_database


def cli_json(capsys, *args) -> dict:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def sample_path(sample_file, tmp_path):
    return copy_database(sample_file, tmp_path / "sample.db")


@pytest.mark.parametrize(
    ("target", "chosen"),
    [
        ("score", ["ease", "agent_knowledge", "wait_time_min", "first_contact_resolution"]),
        ("promoter", ["first_contact_resolution", "segment:channel", "theme:billing"]),
        ("relationship_score", ["touchpoint_mean"]),
    ],
)
def test_cli_prints_the_ranking_of_the_database(capsys, sample_path, target, chosen):
    printed = cli_json(
        capsys,
        "drivers",
        "--target",
        target,
        "--drivers",
        ",".join(chosen),
        "--bootstrap",
        "30",
        "--db",
        str(sample_path),
    )
    database = store.connect(sample_path)
    ranked = drivers.rank_drivers(
        database, target, chosen, bootstrap=30, rng=np.random.default_rng(1)
    )
    database.conn.close()
    # The CLI adds how it read the file (mapping, assumptions, rejected); the ranking is equal.
    assert {k: printed[k] for k in ranked.to_dict()} == ranked.to_dict()


def test_cli_default_drivers_are_the_rankings_defaults(capsys, sample_path):
    printed = cli_json(
        capsys, "drivers", "--target", "score", "--bootstrap", "0", "--db", str(sample_path)
    )
    database = store.connect(sample_path)
    ranked = drivers.rank_drivers(database, "score", bootstrap=0, rng=np.random.default_rng(1))
    database.conn.close()
    # The CLI adds how it read the file (mapping, assumptions, rejected); the ranking is equal.
    assert {k: printed[k] for k in ranked.to_dict()} == ranked.to_dict()


def test_cli_prints_the_ranking_of_a_table_with_a_text_target(capsys, tmp_path):
    path = DATA / "attribute_ratings_0_5.csv"
    printed = cli_json(
        capsys,
        "drivers",
        str(path),
        "--target",
        "Overall satisfaction",
        "--positive",
        "Satisfied",
        "--seed",
        "4",
        "--bootstrap",
        "50",
        "--db",
        str(tmp_path / "unused.db"),
    )
    table = ingest.read_table(path)
    ranked = drivers.rank_drivers(
        table,
        "Overall satisfaction",
        positive="Satisfied",
        bootstrap=50,
        rng=np.random.default_rng(4),
    )
    # The CLI adds how it read the file (mapping, assumptions, rejected); the ranking is equal.
    assert {k: printed[k] for k in ranked.to_dict()} == ranked.to_dict()
    assert printed["drivers"][0]["driver"] == "Problem resolved"


def test_spearman_order_sorts_by_the_size_of_rho(capsys, tmp_path):
    args = ["--target", "mpg", "--drivers", "cyl,disp,hp,gear,wt", "--bootstrap", "0"]
    printed = cli_json(
        capsys, "drivers", str(DATA / "mtcars.csv"), *args, "--method", "spearman", "--db",
        str(tmp_path / "unused.db"),
    )  # fmt: skip
    ranked = drivers.rank_drivers(
        ingest.read_table(DATA / "mtcars.csv"),
        "mpg",
        ["cyl", "disp", "hp", "gear", "wt"],
        bootstrap=0,
        order="spearman",
        rng=np.random.default_rng(1),
    )
    # The CLI adds how it read the file (mapping, assumptions, rejected); the ranking is equal.
    assert {k: printed[k] for k in ranked.to_dict()} == ranked.to_dict()
    rhos = [abs(d["spearman_rho"]) for d in printed["drivers"]]
    assert rhos == sorted(rhos, reverse=True)


def test_a_table_without_the_target_names_its_columns():
    table = ingest.read_table(DATA / "mtcars.csv")
    with pytest.raises(InputError, match="No column 'nope' in mtcars.csv. Columns: model, mpg"):
        drivers.rank_drivers(table, "nope", rng=np.random.default_rng(1), name="mtcars.csv")


def test_an_empty_database_is_refused(db):
    with pytest.raises(InputError, match="no survey responses"):
        drivers.rank_drivers(db, "score", ["ease"], rng=np.random.default_rng(1))


def test_cli_states_verdicts_and_rows_per_channel(capsys, sample_path):
    args = ["drivers", "--target", "score", "--drivers", "ease,agent_knowledge,handle_time_min"]
    args += ["--bootstrap", "50", "--db", str(sample_path)]
    printed = cli_json(capsys, *args)
    verdicts = {d["driver"]: d["verdict"] for d in printed["drivers"]}
    assert verdicts == {
        "ease": "significant",
        "agent_knowledge": "significant",
        "handle_time_min": "not distinguishable from noise",
    }
    segments = {s["segment"]: s for s in printed["rows_by"]["segments"]}
    assert printed["rows_by"]["by"] == "channel"
    assert segments["Web"]["drivers"]["agent_knowledge"] == 0 < segments["Web"]["rows"]
    assert printed["n"] == sum(s["rows"] for s in segments.values()) > printed["n_complete"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Rows used by channel" in text and "(agent_knowledge 0)" in text
