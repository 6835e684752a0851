// Transactions started by QueryRunner.stream with a given tag (see mp2v/db/runner.py).
SHOW TRANSACTIONS YIELD transactionId, metaData
WHERE metaData.mp2v_stream = $tag
RETURN transactionId
