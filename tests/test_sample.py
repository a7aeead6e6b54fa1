"""The sample story: deterministic, realistic, and telling the story the pages rely on."""

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxdata import sample, store


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return sample.write_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def survey(files):
    frame = pd.read_csv(files["survey"])
    frame["month"] = frame["responded_at"].str[:7]
    return frame


def nps(scores) -> float:
    scores = np.asarray(scores)
    return 100 * ((scores >= 9).mean() - (scores <= 6).mean())


def test_same_seed_same_bytes(files, tmp_path):
    again = sample.write_sample(tmp_path, seed=7)
    assert all(files[k].read_bytes() == again[k].read_bytes() for k in files)


def test_other_seed_other_data(files, tmp_path):
    other = sample.write_sample(tmp_path, seed=8)
    assert other["survey"].read_bytes() != files["survey"].read_bytes()


def test_story_starts_near_minus_14_and_ends_near_plus_2(survey):
    by_month = survey.groupby("month")["score"].apply(nps)
    assert len(by_month) == 24
    assert -17 <= by_month.iloc[0] <= -11
    last_three = survey[survey["month"].isin(by_month.index[-3:])]["score"]
    assert -2 <= nps(last_three) <= 6


def test_improvement_is_uneven(survey):
    changes = survey.groupby("month")["score"].apply(nps).diff().dropna()
    assert (changes <= 0).sum() >= 4


def test_one_month_has_fewer_than_30_responses(survey):
    counts = survey.groupby("month").size()
    assert (counts < 30).sum() == 1 and counts.drop(counts.idxmin()).min() >= 300


def test_all_eleven_departments_appear(survey):
    assert set(survey["department"]) == set(sample.DEPARTMENTS)


def test_comments_vary_and_some_carry_contact_details(survey):
    comments = survey["comment"].dropna()
    detractor = comments[survey.loc[comments.index, "score"] <= 6]
    promoter = comments[survey.loc[comments.index, "score"] >= 9]
    assert detractor.nunique() >= 40 and promoter.nunique() >= 40
    assert comments.str.contains("@").sum() >= 10
    assert comments.str.contains(r"\n").sum() >= 10


def test_every_survey_interaction_is_in_transactional(files, survey):
    interactions = pd.read_csv(files["transactional"])
    assert set(survey["interaction_id"]) <= set(interactions["interaction_id"])
    assert len(interactions) >= 1.25 * len(survey)


def test_first_contact_resolution_drives_scores(files, survey):
    joined = survey.merge(pd.read_csv(files["transactional"]), on="interaction_id")
    means = joined.groupby("first_contact_resolution")["score"].mean()
    assert means["yes"] - means["no"] >= 1


def test_relationship_link_tightens(files, survey):
    rel = pd.read_csv(files["relationship"], parse_dates=["responded_at"])
    when = pd.to_datetime(survey["responded_at"])
    r_by_wave = []
    for _, wave in rel.groupby("wave"):
        start = wave["responded_at"].min() - pd.Timedelta(days=90)
        recent = survey[(when >= start) & (when < wave["responded_at"].min())]
        means = recent.groupby("customer_id")["score"].mean()
        linked = wave[wave["customer_id"].isin(means.index)]
        r_by_wave.append(np.corrcoef(means[linked["customer_id"]], linked["score"])[0, 1])
    assert np.mean(r_by_wave[-2:]) - np.mean(r_by_wave[:2]) >= 0.2


def test_some_relationship_respondents_have_no_touchpoint_responses(files, survey):
    rel = pd.read_csv(files["relationship"])
    assert (~rel["customer_id"].isin(survey["customer_id"])).mean() >= 0.1


def test_maturity_scores_and_weakest_domain(files):
    mat = pd.read_csv(files["maturity"])
    assert mat["score"].dropna().between(0, 4).all()
    assert mat["department"].nunique() == 11
    by_domain = mat.groupby(mat["item_id"].str[:3])["score"].mean()
    assert by_domain.idxmin() == "MET"


def test_initiatives_leave_part_of_the_lift_unplanned(files):
    ini = pd.read_csv(files["initiatives"])
    assert (ini["effect_low"] <= ini["effect_likely"]).all()
    assert (ini["effect_likely"] <= ini["effect_high"]).all()
    base = ini[(ini["scenario"] == "base") & (ini["status"] != "dropped")]
    assert 5 <= (base["probability"] * base["effect_likely"]).sum() < 15


def test_benchmark_size_file_has_exactly_n_rows(tmp_path):
    paths = sample.write_sample(tmp_path, rows=10_000)
    frame = pd.read_csv(paths["survey"])
    assert len(frame) == 10_000 and frame["response_id"].is_unique


# The benchmark-size files at a small N: 2,000 rows in chunks of 200,000 are one chunk, so
# the chunk boundaries are tested with a smaller chunk below.
BULK = 2_000


@pytest.fixture(scope="module")
def bulk(tmp_path_factory):
    return sample.write_sample(tmp_path_factory.mktemp("bulk"), rows=BULK)


@pytest.fixture(scope="module")
def bulk_db(bulk, tmp_path_factory):
    from cxdata import ingest

    db = store.connect(tmp_path_factory.mktemp("bulk_db") / "cx.db")
    reports = [ingest.import_file(db, bulk[kind], None) for kind in bulk]  # kinds detected
    return db, reports


def test_bulk_writes_three_files_of_the_expected_sizes(bulk):
    assert sorted(bulk) == ["relationship", "survey", "transactional"]
    assert [p.name for p in bulk.values()] == [
        f"survey_{BULK}.csv",
        f"transactional_{BULK}.csv",
        f"relationship_{BULK}.csv",
    ]
    survey = pd.read_csv(bulk["survey"])
    interactions = pd.read_csv(bulk["transactional"])
    waves = pd.read_csv(bulk["relationship"])
    assert len(survey) == len(interactions) == BULK and len(waves) == BULK // 10
    assert interactions["interaction_id"].tolist() == survey["interaction_id"].tolist()
    assert (
        waves["response_id"].is_unique
        and not waves["response_id"].isin(survey["response_id"]).any()
    )


def test_bulk_companions_have_the_normal_samples_columns(bulk, files):
    for kind in ("transactional", "relationship"):
        normal = pd.read_csv(files[kind], nrows=1)
        assert list(pd.read_csv(bulk[kind], nrows=1).columns) == list(normal.columns)


def test_bulk_files_import_as_their_kinds_without_rejects(bulk_db):
    _, reports = bulk_db
    assert [r.kind for r in reports] == ["survey", "transactional", "relationship"]
    assert [r.accepted for r in reports] == [BULK, BULK, BULK // 10]
    assert all(r.rejected == 0 for r in reports)


def test_bulk_survey_reaches_its_interactions_and_kpis_lean_on_the_score(bulk, bulk_db):
    from cxdata.store import links

    assert links.has_linked_interactions(bulk_db[0])
    joined = pd.read_csv(bulk["survey"]).merge(pd.read_csv(bulk["transactional"]))
    means = joined.groupby("first_contact_resolution")["score"].mean()
    assert means["yes"] - means["no"] >= 1
    assert np.corrcoef(joined["score"], joined["wait_time_min"])[0, 1] < -0.1


def test_bulk_relationship_responses_find_touchpoints_in_the_lookback(bulk_db):
    from cxdata import correlation

    linked = correlation.linked_responses(bulk_db[0])
    assert len(linked) == BULK // 10 and (linked["touchpoint_n"] > 0).all()
    r = np.corrcoef(linked["touchpoint_sum"] / linked["touchpoint_n"], linked["relationship_score"])
    assert r[0, 1] > 0.3


def test_bulk_files_are_deterministic_across_chunks(tmp_path, monkeypatch):
    """Same bytes every time; the survey file unchanged; chunk boundaries keep ids unique and
    the relationship file at ceil(N/10) rows."""
    first = sample.write_sample(tmp_path / "a", rows=BULK)
    again = sample.write_sample(tmp_path / "b", rows=BULK)
    assert all(first[k].read_bytes() == again[k].read_bytes() for k in first)
    # The survey file's bytes from before the companion files were added: import figures
    # measured on it stay comparable.
    digest = hashlib.sha256(first["survey"].read_bytes()).hexdigest()
    assert digest == "dac6acbc2036c6269df2e2df3299176f8a7bc71c3bdb03d52297394174b8bea9"
    monkeypatch.setattr(sample, "_BULK_CHUNK", 700)
    chunked = sample.write_sample(tmp_path / "c", rows=BULK + 5)
    waves = pd.read_csv(chunked["relationship"])
    interactions = pd.read_csv(chunked["transactional"])
    assert len(waves) == -(-(BULK + 5) // 10) and waves["response_id"].is_unique
    assert interactions["interaction_id"].is_unique and len(interactions) == BULK + 5


def test_import_sample_loads_four_kinds_and_the_assessment(files, tmp_path):
    db = store.connect(tmp_path / "cx.db")
    reports = sample.import_sample(db, files)
    kinds = ["survey", "transactional", "relationship", "outcomes", "maturity"]
    assert [r.kind for r in reports] == kinds
    assert all(r.accepted > 0 for r in reports)
    assert all(r.rejected == 0 for r in reports[:4]) and reports[4].rejected == []


def test_sample_portfolio_is_an_initiatives_csv_read_by_the_normal_reader():
    from cxdata import milestones

    portfolio, problems = milestones.read_initiatives(sample.INITIATIVES_FILE)
    assert problems == [] and len(portfolio) == 19
    base = portfolio[portfolio["scenario"] == "base"]
    stretch = portfolio[portfolio["scenario"] == "stretch"]
    # The stretch scenario: the base fixes not dropped, plus two bolder ones.
    kept = set(base.loc[base["status"] != "dropped", "name"])
    assert kept < set(stretch["name"]) and len(stretch) == len(kept) + 2


def test_written_files_are_the_committed_sample_data(files):
    committed = Path(__file__).resolve().parents[1] / "sample_data"
    assert all(files[k].read_bytes() == (committed / files[k].name).read_bytes() for k in files)


def test_import_sample_stores_both_portfolios(files, tmp_path):
    from cxdata import milestones

    db = store.connect(tmp_path / "cx.db")
    sample.import_sample(db, files)
    assert milestones.scenarios(db) == ["base", "stretch"]
    assert len(milestones.load_initiatives(db)) == 19
