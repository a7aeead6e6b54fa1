"""``python -m cxdata value``: what a point of NPS is worth, on the command line (issue 22)."""

import json

import pytest

from cxdata.cli import main


@pytest.fixture
def run(capsys):
    def run(*args):
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_json_has_the_issues_shape(run, sample_file):
    code, out, _ = run("value", "--db", str(sample_file), "--json", "--bootstrap", "200")
    assert code == 0
    result = json.loads(out)
    assert set(result["by_group"]) == {"detractor", "passive", "promoter"}
    for group in result["by_group"].values():
        assert {"customers", "churn_rate", "churn_ci", "revenue_mean"} <= set(group)
        assert group["churn_ci"][0] <= group["churn_rate"] <= group["churn_ci"][1]
    for move in ("value_of_a_point", "value_passive_to_promoter"):
        assert {"value", "ci_low", "ci_high"} <= set(result[move])
        assert result[move]["ci_low"] <= result[move]["value"] <= result[move]["ci_high"]
    assert result["customers"] > 0 and result["caveat"].startswith("an association")


def test_the_summary_states_the_value_in_words(run, sample_file):
    code, out, _ = run("value", "--db", str(sample_file), "--bootstrap", "200")
    assert code == 0
    assert "A point of NPS is worth about €" in out and "a year (95 % interval" in out
    assert "detractor" in out and "Caveat: an association in your data" in out


def test_the_customer_base_scales_the_value(run, sample_file):
    def value(*extra):
        _, out, _ = run("value", "--db", str(sample_file), "--json", "--bootstrap", "200", *extra)
        return json.loads(out)["value_of_a_point"]["value"]

    # The value is linear in the customer base: ten times the customers, ten times the value.
    base = json.loads(run("value", "--db", str(sample_file), "--json", "--bootstrap", "200")[1])
    assert value("--customers", str(base["customers"] * 10)) == pytest.approx(
        base["value_of_a_point"]["value"] * 10
    )


def test_the_same_seed_prints_the_same_interval(run, sample_file):
    first = run("value", "--db", str(sample_file), "--json", "--bootstrap", "200")[1]
    assert run("value", "--db", str(sample_file), "--json", "--bootstrap", "200")[1] == first


def test_a_missing_database_is_refused_not_created(run, tmp_path):
    code, _, err = run("value", "--db", str(tmp_path / "nothing.db"))
    assert code == 2 and "No database at" in err
    assert not (tmp_path / "nothing.db").exists()


def test_a_database_without_outcomes_says_what_to_import(run, tmp_path, write_csv):
    path = write_csv("r.csv", "response_id,customer_id,responded_at,score\nr1,C1,2025-01-10,3\n")
    assert (
        run("import", str(path), "--kind", "relationship", "--db", str(tmp_path / "cx.db"))[0] == 0
    )
    code, out, _ = run("value", "--db", str(tmp_path / "cx.db"))
    assert code == 0 and "No outcomes yet" in out and "--kind outcomes" in out
    assert out.count("\n") == 1  # that line alone: no table of zeros, no "1 customers"


@pytest.mark.parametrize(
    "flag, value", [("--customers", "0"), ("--months", "0"), ("--bootstrap", "10")]
)
def test_a_bad_option_is_exit_2_naming_it(run, sample_file, flag, value):
    code, _, err = run("value", "--db", str(sample_file), flag, value)
    assert code == 2 and flag in err


def test_import_takes_kind_outcomes(run, tmp_path, write_csv):
    path = write_csv("o.csv", "customer_id,observed_at,churned,revenue\nC1,2025-06-30,yes,900\n")
    code, out, _ = run(
        "import", str(path), "--kind", "outcomes", "--db", str(tmp_path / "cx.db"), "--json"
    )
    assert code == 0 and json.loads(out)["kind"] == "outcomes"


def test_the_parsers_defaults_are_the_librarys():
    from cxdata import outcomes
    from cxdata.cli import value

    assert (value.LINK_MONTHS, value.BOOTSTRAP, value.SEED) == (
        outcomes.LINK_MONTHS,
        outcomes.BOOTSTRAP,
        outcomes.SEED,
    )
