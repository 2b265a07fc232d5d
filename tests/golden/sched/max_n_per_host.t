# MAX_N_PER_HOST max 2: an existing assignment of the app on e1
# counts; other apps' assignments do not.
--- state
{"path":"/drove/executor/e1","data":{"type":"EXECUTOR","hostname":"h1","port":3000,"executorState":"ACTIVE","tags":["h1"],"metadata":{},"state":{"executorId":"e1","layout":{"cores":{"0":[0,1,2,3,4,5,6,7]},"memory":{"0":8192}}}}}
{"path":"/drove/executor/e2","data":{"type":"EXECUTOR","hostname":"h2","port":3000,"executorState":"ACTIVE","tags":["h2"],"metadata":{},"state":{"executorId":"e2","layout":{"cores":{"0":[0,1,2,3,4,5,6,7]},"memory":{"0":8192}}}}}
{"path":"/drove/assignments/e1/AI-old","data":{"appId":"web-1","instanceId":"AI-old","executorId":"e1","targetState":"RUNNING","resources":[{"type":"CPU","cores":{"0":[7]}},{"type":"MEMORY","memoryInMB":{"0":100}}]}}
{"path":"/drove/assignments/e2/AI-x","data":{"appId":"other-1","instanceId":"AI-x","executorId":"e2","targetState":"RUNNING","resources":[{"type":"CPU","cores":{"0":[7]}},{"type":"MEMORY","memoryInMB":{"0":100}}]}}
{"path":"/drove/applications/web-1","data":{"appId":"web-1","spec":{"name":"web","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":256}],"placementPolicy":{"type":"MAX_N_PER_HOST","max":2}},"instances":1,"created":1,"updated":1}}
{"path":"/drove/requests/AI-1","data":{"appId":"web-1","instanceId":"AI-1","created":1}}
{"path":"/drove/requests/AI-2","data":{"appId":"web-1","instanceId":"AI-2","created":2}}
{"path":"/drove/requests/AI-3","data":{"appId":"web-1","instanceId":"AI-3","created":3}}
{"path":"/drove/requests/AI-4","data":{"appId":"web-1","instanceId":"AI-4","created":4}}
--- expect
{"instanceId":"AI-1","appId":"web-1","executorId":"e1","hostname":"h1","numaNode":0,"cores":[0],"memoryMB":256}
{"instanceId":"AI-2","appId":"web-1","executorId":"e2","hostname":"h2","numaNode":0,"cores":[0],"memoryMB":256}
{"instanceId":"AI-3","appId":"web-1","executorId":"e2","hostname":"h2","numaNode":0,"cores":[1],"memoryMB":256}
{"instanceId":"AI-4","appId":"web-1","error":"0 of 2 executors: 2 excluded by MAX_N_PER_HOST(2)"}
