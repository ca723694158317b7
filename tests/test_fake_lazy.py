"""The lazy tables behind the generated catalogue and the fakes: a dict, made on demand.

A 100,000-package fake starts in seconds because values are made when first read; these
tests pin that it still behaves like the live dicts the rest of the suite edits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.fake import generate_catalogue
from tests.fake.github import FakeGitHub
from tests.fake.lazy import LazyMap, peek, sorted_keys
from tests.fake.pypi import FakePyPI


def table() -> tuple[LazyMap[int, dict[str, Any]], list[int]]:
    made: list[int] = []

    def make(key: int, head: Mapping[str, Any]) -> dict[str, Any]:
        made.append(key)
        return {"id": key, "slug": head["slug"], "extra": key * 2}

    return LazyMap({3: {"slug": "c"}, 1: {"slug": "a"}, 2: {"slug": "b"}}, make), made


def test_values_are_made_once_on_first_read_and_edits_stick() -> None:
    lazy, made = table()
    assert len(lazy) == 3 and 2 in lazy and 9 not in lazy and made == []
    assert lazy[2]["extra"] == 4 and made == [2]
    lazy[2]["extra"] = 99
    assert lazy[2]["extra"] == 99 and made == [2]
    assert list(lazy) == [3, 1, 2]  # insertion order, like a dict
    with pytest.raises(KeyError):
        lazy[9]


def test_peek_reads_heads_without_making() -> None:
    lazy, made = table()
    assert peek(lazy, 1, "slug") == "a" and made == []
    lazy[1]["slug"] = "renamed"
    assert peek(lazy, 1, "slug") == "renamed"
    assert peek({1: {"slug": "x"}}, 1, "slug") == "x" and peek(lazy, 9, "slug") is None


def test_set_delete_and_sorted_keys() -> None:
    lazy, made = table()
    assert sorted_keys(lazy, reverse=True) == [3, 2, 1]
    lazy[7] = {"id": 7}
    del lazy[3]
    assert sorted_keys(lazy) == [1, 2, 7] and 3 not in lazy and lazy[7] == {"id": 7}
    assert lazy.pop(7) == {"id": 7} and made == []
    assert lazy.copy() == {
        1: {"id": 1, "slug": "a", "extra": 2},
        2: {"id": 2, "slug": "b", "extra": 4},
    }


def test_a_generated_catalogue_is_made_only_as_it_is_read() -> None:
    catalogue = generate_catalogue(3000, 20, seed=2)
    packages = catalogue.packages
    assert isinstance(packages, LazyMap) and packages.made == 0
    some = next(iter(packages))
    slug = peek(packages, some, "slug")
    assert catalogue.package_by_slug(slug) is packages[some] and packages.made == 1
    github, pypi = FakeGitHub.from_catalogue(catalogue), FakePyPI.from_catalogue(catalogue)
    assert packages.made == 1 and len(github.repos) > 2000 and len(pypi.projects) > 2000
    assert isinstance(github.repos, LazyMap) and github.repos.made <= 1  # one real rename
    assert github.find(next(iter(github._names))) is not None


def test_same_seed_same_values_whatever_the_order_of_reads() -> None:
    one, two = generate_catalogue(500, 5, seed=4), generate_catalogue(500, 5, seed=4)
    ids = list(one.packages)
    first = [one.packages[i] for i in ids]
    second = [two.packages[i] for i in reversed(ids)][::-1]
    assert first == second
