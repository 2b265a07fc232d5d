# Existing assignments (RUNNING or STOPPED until deleted) hold their
# cores and memory: e1 keeps core 3 with 3072 MB on node 0 and core 5 with
# 96 MB on node 1.
--- state
{"path":"/drove/executor/e1","data":{"type":"EXECUTOR","hostname":"h1","port":3000,"executorState":"ACTIVE","tags":["h1"],"metadata":{},"state":{"executorId":"e1","layout":{"cores":{"0":[0,1,2,3],"1":[4,5]},"memory":{"0":4096,"1":4096}}}}}
{"path":"/drove/assignments/e1/AI-a","data":{"appId":"a-1","instanceId":"AI-a","executorId":"e1","targetState":"RUNNING","resources":[{"type":"CPU","cores":{"0":[0,1,2]}},{"type":"MEMORY","memoryInMB":{"0":1024}}]}}
{"path":"/drove/assignments/e1/AI-b","data":{"appId":"b-1","instanceId":"AI-b","executorId":"e1","targetState":"RUNNING","resources":[{"type":"CPU","cores":{"1":[4]}},{"type":"MEMORY","memoryInMB":{"1":4000}}]}}
{"path":"/drove/applications/web-1","data":{"appId":"web-1","spec":{"name":"web","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":1000}]},"instances":1,"created":1,"updated":1}}
{"path":"/drove/requests/AI-1","data":{"appId":"web-1","instanceId":"AI-1","created":1}}
{"path":"/drove/requests/AI-2","data":{"appId":"web-1","instanceId":"AI-2","created":2}}
{"path":"/drove/requests/AI-3","data":{"appId":"web-1","instanceId":"AI-3","created":3}}
{"path":"/drove/requests/AI-4","data":{"appId":"web-1","instanceId":"AI-4","created":4}}
--- expect
{"instanceId":"AI-1","appId":"web-1","executorId":"e1","hostname":"h1","numaNode":0,"cores":[3],"memoryMB":1000}
{"instanceId":"AI-2","appId":"web-1","error":"0 of 1 executors: 1 lack 1000 MB of memory on one NUMA node"}
{"instanceId":"AI-3","appId":"web-1","error":"0 of 1 executors: 1 lack 1000 MB of memory on one NUMA node"}
{"instanceId":"AI-4","appId":"web-1","error":"0 of 1 executors: 1 lack 1000 MB of memory on one NUMA node"}
