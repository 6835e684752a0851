"""The benchmark: every method tuned on validation, judged once on test, with ablations and paired tests."""
