"""Training throughput (words/s) on the Last.fm walk corpus: gensim SGNS in corpus_file vs iterable mode, and
the project's numba kernel with shared and type-aware negatives, each with 1 and 2 workers; medians of
several runs. Run ``python -m bench.bench_training``."""

from __future__ import annotations

import argparse
import statistics

from mp2v.config import load_settings
from mp2v.experiments.demo import run_demo
from mp2v.training.gensim_sgns import TrainConfig, train
from mp2v.training.numba_sgns import train_typed


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
    train_typed(corpus, TrainConfig(epochs=1, dimensions=8))  # compiles (or loads) the numba kernel first
    print(f"{'trainer':<26} {'workers':>7} {'median words/s':>15} {'runs':>40}")
    for trainer in ("gensim corpus_file", "gensim iterable", "numba, shared negatives", "numba, typed negatives"):
        for workers in (1, 2):
            mode = trainer.split()[-1] if trainer.startswith("gensim") else "corpus_file"
            config = TrainConfig(epochs=args.epochs, workers=workers, mode=mode)  # type: ignore[arg-type]
            if trainer.startswith("gensim"):
                rates = [train(corpus, config, progress=False).words_per_second for _ in range(args.repeats)]
            else:
                typed = trainer.endswith("typed negatives")
                rates = [train_typed(corpus, config, typed=typed).words_per_second for _ in range(args.repeats)]
            runs = ", ".join(f"{r:,.0f}" for r in rates)
            print(f"{trainer:<26} {workers:>7} {statistics.median(rates):>15,.0f} {runs:>40}")


if __name__ == "__main__":
    main()
