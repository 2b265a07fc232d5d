# NUMA: a 3-core instance fits exactly in node 1 (3 cores, 3000 MB) of
# e1; the next one needs node 0 of e2; an instance never spans nodes.
--- state
{"path":"/drove/executor/e1","data":{"type":"EXECUTOR","hostname":"h1","port":3000,"executorState":"ACTIVE","tags":["h1"],"metadata":{},"state":{"executorId":"e1","layout":{"cores":{"0":[0,1],"1":[2,3,4]},"memory":{"0":8000,"1":3000}}}}}
{"path":"/drove/executor/e2","data":{"type":"EXECUTOR","hostname":"h2","port":3000,"executorState":"ACTIVE","tags":["h2"],"metadata":{},"state":{"executorId":"e2","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":8000}}}}}
{"path":"/drove/applications/web-1","data":{"appId":"web-1","spec":{"name":"web","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":3},{"type":"MEMORY","sizeInMB":3000}]},"instances":1,"created":1,"updated":1}}
{"path":"/drove/requests/AI-1","data":{"appId":"web-1","instanceId":"AI-1","created":1}}
{"path":"/drove/requests/AI-2","data":{"appId":"web-1","instanceId":"AI-2","created":2}}
{"path":"/drove/requests/AI-3","data":{"appId":"web-1","instanceId":"AI-3","created":3}}
--- expect
{"instanceId":"AI-1","appId":"web-1","executorId":"e1","hostname":"h1","numaNode":1,"cores":[2,3,4],"memoryMB":3000}
{"instanceId":"AI-2","appId":"web-1","executorId":"e2","hostname":"h2","numaNode":0,"cores":[0,1,2],"memoryMB":3000}
{"instanceId":"AI-3","appId":"web-1","error":"0 of 2 executors: 2 lack 3 free cores on one NUMA node"}
