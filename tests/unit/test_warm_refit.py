"""bench.warm_refit's reading of ``--warm E@A``: epochs and learning rate, refused in one line when malformed."""

from __future__ import annotations

import pytest

from bench.warm_refit import parse_warm


def test_a_warm_refit_reads_epochs_and_learning_rate() -> None:
    assert parse_warm("1@0.0125") == (1, 0.0125)
    assert parse_warm("3@0.025") == (3, 0.025)


@pytest.mark.parametrize("text", ["1", "0.0125", "x@0.01", "1@fast", "0@0.01", "2@0", "1@-0.1", "@"])
def test_a_malformed_warm_refit_is_refused_with_the_form_to_write(text: str) -> None:
    with pytest.raises(SystemExit, match=r"write <epochs>@<learning rate>, e.g. 1@0.0125"):
        parse_warm(text)
