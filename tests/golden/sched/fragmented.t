# Fragmented: 4 free cores in total on e1 but 2+2 over two nodes, and
# e2's free cores are scattered ids after assignments; a 4-core instance
# fits nowhere, a 2-core one takes the lowest free ids.
--- state
{"path":"/drove/executor/e1","data":{"type":"EXECUTOR","hostname":"h1","port":3000,"executorState":"ACTIVE","tags":["h1"],"metadata":{},"state":{"executorId":"e1","layout":{"cores":{"0":[0,1],"1":[2,3]},"memory":{"0":2048,"1":2048}}}}}
{"path":"/drove/executor/e2","data":{"type":"EXECUTOR","hostname":"h2","port":3000,"executorState":"ACTIVE","tags":["h2"],"metadata":{},"state":{"executorId":"e2","layout":{"cores":{"0":[0,1,2,3,4,5]},"memory":{"0":8192}}}}}
{"path":"/drove/assignments/e2/AI-a","data":{"appId":"other-1","instanceId":"AI-a","executorId":"e2","targetState":"RUNNING","resources":[{"type":"CPU","cores":{"0":[0,2,4]}},{"type":"MEMORY","memoryInMB":{"0":100}}]}}
{"path":"/drove/applications/big-1","data":{"appId":"big-1","spec":{"name":"big","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":4},{"type":"MEMORY","sizeInMB":256}]},"instances":1,"created":1,"updated":1}}
{"path":"/drove/applications/small-1","data":{"appId":"small-1","spec":{"name":"small","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":2},{"type":"MEMORY","sizeInMB":256}]},"instances":1,"created":1,"updated":1}}
{"path":"/drove/requests/AI-1","data":{"appId":"big-1","instanceId":"AI-1","created":1}}
{"path":"/drove/requests/AI-2","data":{"appId":"small-1","instanceId":"AI-2","created":2}}
{"path":"/drove/requests/AI-3","data":{"appId":"small-1","instanceId":"AI-3","created":3}}
{"path":"/drove/requests/AI-4","data":{"appId":"small-1","instanceId":"AI-4","created":4}}
--- expect
{"instanceId":"AI-1","appId":"big-1","error":"0 of 2 executors: 2 lack 4 free cores on one NUMA node"}
{"instanceId":"AI-2","appId":"small-1","executorId":"e1","hostname":"h1","numaNode":0,"cores":[0,1],"memoryMB":256}
{"instanceId":"AI-3","appId":"small-1","executorId":"e1","hostname":"h1","numaNode":1,"cores":[2,3],"memoryMB":256}
{"instanceId":"AI-4","appId":"small-1","executorId":"e2","hostname":"h2","numaNode":0,"cores":[1,3],"memoryMB":256}
