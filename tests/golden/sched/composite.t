# COMPOSITE: AND of ONE_PER_HOST and an OR of two tags (a policy with
# MATCH_TAG inside is not ANDed with NO_TAG); an OR of (red AND at most 1
# per host) and hostname h4: one on e3, then e4 until it is full.
--- state
{"path":"/drove/executor/e1","data":{"type":"EXECUTOR","hostname":"h1","port":3000,"executorState":"ACTIVE","tags":["h1","blue"],"metadata":{},"state":{"executorId":"e1","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e2","data":{"type":"EXECUTOR","hostname":"h2","port":3000,"executorState":"ACTIVE","tags":["h2","green"],"metadata":{},"state":{"executorId":"e2","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e3","data":{"type":"EXECUTOR","hostname":"h3","port":3000,"executorState":"ACTIVE","tags":["h3","red"],"metadata":{},"state":{"executorId":"e3","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e4","data":{"type":"EXECUTOR","hostname":"h4","port":3000,"executorState":"ACTIVE","tags":["h4"],"metadata":{},"state":{"executorId":"e4","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/applications/bg-1","data":{"appId":"bg-1","spec":{"name":"bg","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":256}],"placementPolicy":{"type":"COMPOSITE","combiner":"AND","policies":[{"type":"ONE_PER_HOST"},{"type":"COMPOSITE","combiner":"OR","policies":[{"type":"MATCH_TAG","tag":"blue"},{"type":"MATCH_TAG","tag":"green"}]}]}},"instances":1,"created":1,"updated":1}}
{"path":"/drove/applications/nest-1","data":{"appId":"nest-1","spec":{"name":"nest","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":2},{"type":"MEMORY","sizeInMB":256}],"placementPolicy":{"type":"COMPOSITE","combiner":"OR","policies":[{"type":"COMPOSITE","combiner":"AND","policies":[{"type":"MATCH_TAG","tag":"red"},{"type":"MAX_N_PER_HOST","max":1}]},{"type":"MATCH_TAG","tag":"h4"}]}},"instances":1,"created":1,"updated":1}}
{"path":"/drove/requests/AI-1","data":{"appId":"bg-1","instanceId":"AI-1","created":1}}
{"path":"/drove/requests/AI-2","data":{"appId":"bg-1","instanceId":"AI-2","created":2}}
{"path":"/drove/requests/AI-3","data":{"appId":"bg-1","instanceId":"AI-3","created":3}}
{"path":"/drove/requests/AI-4","data":{"appId":"nest-1","instanceId":"AI-4","created":4}}
{"path":"/drove/requests/AI-5","data":{"appId":"nest-1","instanceId":"AI-5","created":5}}
{"path":"/drove/requests/AI-6","data":{"appId":"nest-1","instanceId":"AI-6","created":6}}
{"path":"/drove/requests/AI-7","data":{"appId":"nest-1","instanceId":"AI-7","created":7}}
--- expect
{"instanceId":"AI-1","appId":"bg-1","executorId":"e1","hostname":"h1","numaNode":0,"cores":[0],"memoryMB":256}
{"instanceId":"AI-2","appId":"bg-1","executorId":"e2","hostname":"h2","numaNode":0,"cores":[0],"memoryMB":256}
{"instanceId":"AI-3","appId":"bg-1","error":"0 of 4 executors: 2 excluded by ONE_PER_HOST, 2 excluded by (MATCH_TAG(blue) OR MATCH_TAG(green))"}
{"instanceId":"AI-4","appId":"nest-1","executorId":"e3","hostname":"h3","numaNode":0,"cores":[0,1],"memoryMB":256}
{"instanceId":"AI-5","appId":"nest-1","executorId":"e4","hostname":"h4","numaNode":0,"cores":[0,1],"memoryMB":256}
{"instanceId":"AI-6","appId":"nest-1","executorId":"e4","hostname":"h4","numaNode":0,"cores":[2,3],"memoryMB":256}
{"instanceId":"AI-7","appId":"nest-1","error":"0 of 4 executors: 2 excluded by (MATCH_TAG(red) OR MATCH_TAG(h4)), 1 excluded by (MAX_N_PER_HOST(1) OR MATCH_TAG(h4)), 1 lack 2 free cores on one NUMA node"}
