"""Training throughput (words/s) of gensim SGNS on the Last.fm walk corpus: corpus_file vs iterable mode,
1 vs 2 workers, medians of several runs. Run ``python -m bench.bench_training``."""

from __future__ import annotations

import argparse
import statistics

from mp2v.config import load_settings
from mp2v.demo import run_demo
from mp2v.train import TrainConfig, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    settings = load_settings()
    demo = run_demo(settings, progress=False)
    corpus = settings.paths.home / "walks" / "lastfm-r-mp2v-test.txt"
    tokens = sum(len(line.split()) for line in corpus.open())
    print(f"corpus {corpus.name}: {tokens:,} tokens; dim 128, window 3, 5 negatives, {args.epochs} epochs, "
          f"{args.repeats} runs each (server state from the demo: {demo.served['method']} served)")
    print(f"{'mode':<12} {'workers':>7} {'median words/s':>15} {'runs':>40}")
    for mode in ("corpus_file", "iterable"):
        for workers in (1, 2):
            config = TrainConfig(epochs=args.epochs, workers=workers, mode=mode)  # type: ignore[arg-type]
            rates = [train(corpus, config, progress=False).words_per_second for _ in range(args.repeats)]
            runs = ", ".join(f"{r:,.0f}" for r in rates)
            print(f"{mode:<12} {workers:>7} {statistics.median(rates):>15,.0f} {runs:>40}")


if __name__ == "__main__":
    main()
