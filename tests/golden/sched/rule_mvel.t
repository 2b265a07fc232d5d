# RULE_BASED with an MVEL rule on executor metadata.
--- state
{"path":"/drove/executor/e1","data":{"type":"EXECUTOR","hostname":"h1","port":3000,"executorState":"ACTIVE","tags":["h1"],"metadata":{"zone":"z1"},"state":{"executorId":"e1","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e2","data":{"type":"EXECUTOR","hostname":"h2","port":3000,"executorState":"ACTIVE","tags":["h2"],"metadata":{"zone":"z2"},"state":{"executorId":"e2","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e3","data":{"type":"EXECUTOR","hostname":"h3","port":3000,"executorState":"ACTIVE","tags":["h3"],"metadata":{"zone":"z3"},"state":{"executorId":"e3","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/applications/z2-1","data":{"appId":"z2-1","spec":{"name":"z2","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":256}],"placementPolicy":{"type":"RULE_BASED","ruleType":"MVEL","rule":"allocatedExecutorNodeMetadata['zone'] == 'z2'"}},"instances":1,"created":1,"updated":1}}
{"path":"/drove/applications/notz1-1","data":{"appId":"notz1-1","spec":{"name":"notz1","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":256}],"placementPolicy":{"type":"RULE_BASED","ruleType":"MVEL","rule":"allocatedExecutorNodeMetadata['zone'] != 'z1' && hostname != 'h2'"}},"instances":1,"created":1,"updated":1}}
{"path":"/drove/requests/AI-1","data":{"appId":"z2-1","instanceId":"AI-1","created":1}}
{"path":"/drove/requests/AI-2","data":{"appId":"notz1-1","instanceId":"AI-2","created":2}}
--- expect
{"instanceId":"AI-1","appId":"z2-1","executorId":"e2","hostname":"h2","numaNode":0,"cores":[0],"memoryMB":256}
{"instanceId":"AI-2","appId":"notz1-1","executorId":"e3","hostname":"h3","numaNode":0,"cores":[0],"memoryMB":256}
