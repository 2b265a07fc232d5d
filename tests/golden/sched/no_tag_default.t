# NO_TAG is ANDed into a policy without MATCH_TAG/RULE_BASED:
# no policy, ONE_PER_HOST and an explicit NO_TAG all avoid the tagged e2.
--- state
{"path":"/drove/executor/e1","data":{"type":"EXECUTOR","hostname":"h1","port":3000,"executorState":"ACTIVE","tags":["h1"],"metadata":{},"state":{"executorId":"e1","layout":{"cores":{"0":[0,1]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e2","data":{"type":"EXECUTOR","hostname":"h2","port":3000,"executorState":"ACTIVE","tags":["h2","special"],"metadata":{},"state":{"executorId":"e2","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/applications/plain-1","data":{"appId":"plain-1","spec":{"name":"plain","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":256}]},"instances":1,"created":1,"updated":1}}
{"path":"/drove/applications/oph-1","data":{"appId":"oph-1","spec":{"name":"oph","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":256}],"placementPolicy":{"type":"ONE_PER_HOST"}},"instances":1,"created":1,"updated":1}}
{"path":"/drove/applications/nt-1","data":{"appId":"nt-1","spec":{"name":"nt","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":256}],"placementPolicy":{"type":"NO_TAG"}},"instances":1,"created":1,"updated":1}}
{"path":"/drove/requests/AI-1","data":{"appId":"plain-1","instanceId":"AI-1","created":1}}
{"path":"/drove/requests/AI-2","data":{"appId":"oph-1","instanceId":"AI-2","created":2}}
{"path":"/drove/requests/AI-3","data":{"appId":"nt-1","instanceId":"AI-3","created":3}}
--- expect
{"instanceId":"AI-1","appId":"plain-1","executorId":"e1","hostname":"h1","numaNode":0,"cores":[0],"memoryMB":256}
{"instanceId":"AI-2","appId":"oph-1","executorId":"e1","hostname":"h1","numaNode":0,"cores":[1],"memoryMB":256}
{"instanceId":"AI-3","appId":"nt-1","error":"0 of 2 executors: 1 excluded by NO_TAG, 1 lack 1 free cores on one NUMA node"}
