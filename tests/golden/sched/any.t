# ANY: untagged executors only (NO_TAG is implied); best fit fills
# the fullest node first: e2 node 1 (2 free) before e1 (4 free).
--- state
{"path":"/drove/executor/e1","data":{"type":"EXECUTOR","hostname":"h1","port":3000,"executorState":"ACTIVE","tags":["h1"],"metadata":{},"state":{"executorId":"e1","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e2","data":{"type":"EXECUTOR","hostname":"h2","port":3000,"executorState":"ACTIVE","tags":["h2"],"metadata":{},"state":{"executorId":"e2","layout":{"cores":{"0":[0,1,2,3,4,5],"1":[6,7]},"memory":{"0":4096,"1":4096}}}}}
{"path":"/drove/applications/web-1","data":{"appId":"web-1","spec":{"name":"web","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":2},{"type":"MEMORY","sizeInMB":512}],"placementPolicy":{"type":"ANY"}},"instances":1,"created":1,"updated":1}}
{"path":"/drove/requests/AI-1","data":{"appId":"web-1","instanceId":"AI-1","created":1}}
{"path":"/drove/requests/AI-2","data":{"appId":"web-1","instanceId":"AI-2","created":2}}
{"path":"/drove/requests/AI-3","data":{"appId":"web-1","instanceId":"AI-3","created":3}}
--- expect
{"instanceId":"AI-1","appId":"web-1","executorId":"e2","hostname":"h2","numaNode":1,"cores":[6,7],"memoryMB":512}
{"instanceId":"AI-2","appId":"web-1","executorId":"e1","hostname":"h1","numaNode":0,"cores":[0,1],"memoryMB":512}
{"instanceId":"AI-3","appId":"web-1","executorId":"e1","hostname":"h1","numaNode":0,"cores":[2,3],"memoryMB":512}
