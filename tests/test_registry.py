"""The one name registry behind METHODS, FILTERS and MODELS."""

import pytest

from casestudy.registry import Registry


class NotFound(ValueError):
    pass


def test_entries_keep_their_order_and_a_name_is_taken_once() -> None:
    things = Registry("thing", NotFound)
    things.register("b", 2)
    things.register("a", 1)
    assert list(things) == ["b", "a"] and things.lookup("a") == 1
    with pytest.raises(ValueError, match="a thing named 'a' is already registered"):
        things.register("a", 3)
    assert things.register("a", 3, replace=True) == 3 and things["a"] == 3


def test_an_unknown_name_raises_the_registrys_error_listing_the_known_ones() -> None:
    things = Registry("thing", NotFound)
    things.register("b", 2)
    with pytest.raises(NotFound, match="unknown thing 'z'; known things: b"):
        things.lookup("z")


def test_the_package_registries_share_it() -> None:
    from casestudy.evaluation.methods import METHODS, UnknownMethodError
    from casestudy.filters import FILTERS, FilterInputError
    from casestudy.models import MODELS

    assert {type(registry) for registry in (METHODS, FILTERS, MODELS)} == {Registry}
    assert (FILTERS.error, METHODS.error) == (FilterInputError, UnknownMethodError)
    assert list(MODELS) == ["rednet", "mwcnn", "pridnet", "nafnet"]
