// KuaiRec WATCHED, one edge per positive (user, video) pair.
// $rows: [user id, video id, views, watch_ratio, watch_ratio_mean, play_duration, ts, weight].
UNWIND $rows AS row
MATCH (a:{{Start}} {id: row[0]})
MATCH (b:{{End}} {id: row[1]})
MERGE (a)-[r:{{Type}}]->(b)
SET r.views = row[2], r.watch_ratio = row[3], r.watch_ratio_mean = row[4], r.play_duration = row[5],
    r.ts = row[6], r.weight = row[7]
