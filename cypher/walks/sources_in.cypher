// Start nodes that can take the first hop (Source<-Type-Target).
MATCH (a:{{Source}})
WHERE EXISTS { (a)<-[:{{Type}}]-(:{{Target}}) }
RETURN id(a) AS node
