"""Skip-gram trainers over a walk corpus file: gensim, and the project's numba kernel (typed negatives).

Trainers return vectors; storing them with their config and seed is :mod:`mp2v.embeddings`' job.
"""
