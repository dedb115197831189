"""searching/facets.py: raw {facet: {value: count}} to facet values, the same for every engine."""
from gikportal import labels
from gikportal.query import SearchParams
from gikportal.searching import facets


def params(**args):
    return SearchParams.from_args(args)


def test_long_facet_is_cut_at_the_limit_and_a_selected_value_stays_listed():
    counts = {f"机关{i:03d}": 200 - i for i in range(80)}
    values, more = facets.BY_NAME["agency"].facet_results(counts, params(agency="机关079"))
    shown = [v["value"] for v in values]
    assert shown[:facets.FACET_LIMIT] == [f"机关{i:03d}" for i in range(facets.FACET_LIMIT)]
    assert shown[-1] == "机关079" and values[-1]["selected"] and values[-1]["count"] == 121
    assert more == sum(counts[f"机关{i:03d}"] for i in range(facets.FACET_LIMIT, 79))


def test_a_tally_of_numpy_counts_is_listed_as_the_same_counts_in_a_dict():
    """index.py hands a long facet's counts over as a facets.Tally (numpy arrays): the values
    shown, their order (ties in value order), the selected ones and the remainder are those of
    the same counts in a dict."""
    import numpy as np

    vocab = sorted(f"机关{i:04d}" for i in range(3000))
    lookup = {v: i for i, v in enumerate(vocab)}
    counts = np.random.default_rng(0).integers(0, 9, len(vocab))  # many ties, some values absent
    present = np.flatnonzero(counts)
    tally = facets.Tally(vocab, lookup, present, counts[present])
    plain = {vocab[i]: int(counts[i]) for i in present.tolist()}
    absent = vocab[int(np.flatnonzero(counts == 0)[0])]
    for selected in ((), (vocab[int(present[-1])],), (absent, vocab[int(present[0])])):
        args = params(agency=list(selected)) if selected else params()
        assert facets.BY_NAME["agency"].facet_results(tally, args) == facets.BY_NAME["agency"].facet_results(plain, args)
    assert dict(tally) == plain and tally.get(absent) is None and tally.total() == sum(plain.values())


def test_equal_counts_keep_value_order_and_unknown_is_labelled():
    values, more = facets.BY_NAME["province"].facet_results({"河南省": 3, "none": 3, "北京市": 3, "上海市": 0}, params())
    assert [v["value"] for v in values] == ["none", "北京市", "河南省"] and more is None
    assert values[0]["label"] == labels.NO_VALUE[1]


def test_years_newest_first_ranges_in_bucket_order_findings_in_catalogue_order():
    years, _ = facets.BY_NAME["year"].facet_results({"2019": 9, "2024": 1, "none": 5}, params())
    assert [v["value"] for v in years] == ["2024", "2019", "none"]
    ranges, _ = facets.BY_NAME["requests_new_range"].facet_results({"100+": 1, "0": 7, "none": 2, "10-99": 3}, params())
    assert [v["value"] for v in ranges] == ["0", "10-99", "100+", "none"]
    assert ranges[2]["label"] == "100 及以上"
    found, _ = facets.BY_NAME["finding"].facet_results({"fees": 2, "check:balance": 1, "failed": 3, "sued": 0},
                                                       params(finding=["sued", "bogus"]))
    assert [v["value"] for v in found] == ["failed", "check:balance", "sued", "fees"]
    assert found[1]["label"] == labels.FAILED_CHECK_PREFIX + labels.CHECKS["balance"]
    assert found[2] == {"value": "sued", "label": labels.FINDINGS["sued"], "count": 0, "selected": True}


def test_every_facet_is_answered_in_one_order_and_toggles_through_params():
    out, more = facets.facet_results({"format": {"2019": 4, "legacy": 1}}, params())
    assert list(out) == [f.name for f in facets.FACETS] and more == {}
    assert out["format"][0]["label"] == labels.FORMATS["2019"]
    on = facets.BY_NAME["format"].toggle(params(), "legacy")
    assert tuple(on.facets["format"]) == ("legacy",) and not facets.BY_NAME["format"].toggle(on, "legacy").facets.get("format")


def test_agency_keys_follow_each_generations_pairs():
    """The keys and names of a pairs list are indexed once, and a new list (a new index
    generation, the other engine) is answered from its own pairs, never a stale index."""
    old = [("k1", "甲县人民政府办公室"), ("k2", "乙县人民政府办公室")]
    assert facets.agency_keys("甲县人民政府办公室", old) == ["k1"]
    assert facets.agency_keys("k2", old) == ["k2"]
    new = [("k1", "甲县人民政府办公室"), ("k3", "甲县人民政府办公室"), ("k2", "乙县人民政府办公室")]
    assert facets.agency_keys("甲县人民政府办公室", new) == ["k1", "k3"]
    assert facets.agency_keys("k3", old) == []
    assert facets.agency_keys("k3", new) == ["k3"]
    assert facets.agency_keys("乙县", old) == ["k2"]  # typed in a query: the names containing it
