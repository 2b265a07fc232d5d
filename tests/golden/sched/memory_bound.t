# Memory-bound: plenty of cores, but each node has 1000 MB; a 1500 MB
# instance fails counting memory, and a 600 MB one uses each node once.
--- state
{"path":"/drove/executor/e1","data":{"type":"EXECUTOR","hostname":"h1","port":3000,"executorState":"ACTIVE","tags":["h1"],"metadata":{},"state":{"executorId":"e1","layout":{"cores":{"0":[0,1],"1":[2,3]},"memory":{"0":1000,"1":1000}}}}}
{"path":"/drove/applications/fat-1","data":{"appId":"fat-1","spec":{"name":"fat","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":1500}]},"instances":1,"created":1,"updated":1}}
{"path":"/drove/applications/mid-1","data":{"appId":"mid-1","spec":{"name":"mid","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":600}]},"instances":1,"created":1,"updated":1}}
{"path":"/drove/requests/AI-1","data":{"appId":"fat-1","instanceId":"AI-1","created":1}}
{"path":"/drove/requests/AI-2","data":{"appId":"mid-1","instanceId":"AI-2","created":2}}
{"path":"/drove/requests/AI-3","data":{"appId":"mid-1","instanceId":"AI-3","created":3}}
{"path":"/drove/requests/AI-4","data":{"appId":"mid-1","instanceId":"AI-4","created":4}}
--- expect
{"instanceId":"AI-1","appId":"fat-1","error":"0 of 1 executors: 1 lack 1500 MB of memory on one NUMA node"}
{"instanceId":"AI-2","appId":"mid-1","executorId":"e1","hostname":"h1","numaNode":0,"cores":[0],"memoryMB":600}
{"instanceId":"AI-3","appId":"mid-1","executorId":"e1","hostname":"h1","numaNode":1,"cores":[2],"memoryMB":600}
{"instanceId":"AI-4","appId":"mid-1","error":"0 of 1 executors: 1 lack 600 MB of memory on one NUMA node"}
