# RULE_BASED with a HOPE rule, and one comparing the app's environment.
--- state
{"path":"/drove/executor/e1","data":{"type":"EXECUTOR","hostname":"h1","port":3000,"executorState":"ACTIVE","tags":["h1"],"metadata":{"zone":"z1"},"state":{"executorId":"e1","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e2","data":{"type":"EXECUTOR","hostname":"h2","port":3000,"executorState":"ACTIVE","tags":["h2"],"metadata":{"zone":"z2"},"state":{"executorId":"e2","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/applications/z1-1","data":{"appId":"z1-1","spec":{"name":"z1","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":256}],"placementPolicy":{"type":"RULE_BASED","ruleType":"HOPE","rule":"\"/allocatedExecutorNodeMetadata/zone\" == \"z1\""}},"instances":1,"created":1,"updated":1}}
{"path":"/drove/applications/none-1","data":{"appId":"none-1","spec":{"name":"none","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":256}],"placementPolicy":{"type":"RULE_BASED","ruleType":"HOPE","rule":"\"/allocatedExecutorNodeMetadata/zone\" == \"z9\""}},"instances":1,"created":1,"updated":1}}
{"path":"/drove/requests/AI-1","data":{"appId":"z1-1","instanceId":"AI-1","created":1}}
{"path":"/drove/requests/AI-2","data":{"appId":"none-1","instanceId":"AI-2","created":2}}
--- expect
{"instanceId":"AI-1","appId":"z1-1","executorId":"e1","hostname":"h1","numaNode":0,"cores":[0],"memoryMB":256}
{"instanceId":"AI-2","appId":"none-1","error":"0 of 2 executors: 2 excluded by RULE_BASED(\"/allocatedExecutorNodeMetadata/zone\" == \"z9\")"}
