"""The application layer: protocols over the loaded graph, experiments, the evaluate job, the demo, the benchmark.

This is the only part of the package that wires the library core to the loaders.
"""
