// Exact scores matter for serving (offline and online rankings must agree), so quantization is off, and the
// HNSW graph is built denser than the default (m 16, ef_construction 100) for recall on augmented vectors.
CREATE VECTOR INDEX {{Index}} IF NOT EXISTS
FOR (n:{{Label}}) ON (n.{{Property}})
OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: $similarity,
                       `vector.quantization.enabled`: false, `vector.hnsw.m`: $hnsw_m,
                       `vector.hnsw.ef_construction`: $hnsw_ef_construction}}
