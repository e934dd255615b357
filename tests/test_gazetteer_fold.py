"""``loaders.importers.gazetteer.fold_all`` folds a list of names as ``fold`` folds each (the
per-country GeoNames index is made with it; ``bench/gazetteer_index.py`` compares the two
indexes for every country)."""

from __future__ import annotations

from loaders.importers.gazetteer import fold_all
from loaders.kernel.namespaces import fold

NAMES = ["Lào Cai", "Frankfurt (Oder)", "北京", "Санкт-Петербург", "", "  ", "ÅLESUND",
         "Saint-Étienne-du-Rouvray", "e\u0301", "\u0301leading mark", "ﬁnland", "Ⅻ Roman",
         "İstanbul", "Straße", "x\u00a0y", "a--b__c", "Nikšić", "trailing mark\u0301",
         "\u0308", "ǅemal", "٣ digits", "tab\there", "cr\rhere", "O'Brien's", "9 de Julio"]


def test_fold_all_folds_every_name_as_fold_does() -> None:
    assert fold_all(NAMES) == [fold(name) for name in NAMES]
    assert fold_all([]) == []
    assert fold_all(["ASCII only", "Zürich"]) == ["ascii only", "zurich"]


def test_a_name_with_a_line_break_is_folded_alone() -> None:
    names = ["Lào\nCai", "Hà Nội", "a\n", "\nb"]
    assert fold_all(names) == [fold(name) for name in names]
    assert fold_all(names)[0] == "lao cai"
