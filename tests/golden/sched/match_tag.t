# MATCH_TAG: a tag (gpu) and a hostname (every executor carries its
# hostname as a tag); tagged executors are fine for MATCH_TAG.
--- state
{"path":"/drove/executor/e1","data":{"type":"EXECUTOR","hostname":"h1","port":3000,"executorState":"ACTIVE","tags":["h1"],"metadata":{},"state":{"executorId":"e1","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e2","data":{"type":"EXECUTOR","hostname":"h2","port":3000,"executorState":"ACTIVE","tags":["h2","gpu"],"metadata":{},"state":{"executorId":"e2","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e3","data":{"type":"EXECUTOR","hostname":"h3","port":3000,"executorState":"ACTIVE","tags":["h3","gpu"],"metadata":{},"state":{"executorId":"e3","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/applications/gpu-1","data":{"appId":"gpu-1","spec":{"name":"gpu","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":2},{"type":"MEMORY","sizeInMB":256}],"placementPolicy":{"type":"MATCH_TAG","tag":"gpu"}},"instances":1,"created":1,"updated":1}}
{"path":"/drove/applications/pin-1","data":{"appId":"pin-1","spec":{"name":"pin","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":256}],"placementPolicy":{"type":"MATCH_TAG","tag":"h3"}},"instances":1,"created":1,"updated":1}}
{"path":"/drove/applications/nope-1","data":{"appId":"nope-1","spec":{"name":"nope","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":1},{"type":"MEMORY","sizeInMB":256}],"placementPolicy":{"type":"MATCH_TAG","tag":"tpu"}},"instances":1,"created":1,"updated":1}}
{"path":"/drove/requests/AI-1","data":{"appId":"gpu-1","instanceId":"AI-1","created":1}}
{"path":"/drove/requests/AI-2","data":{"appId":"gpu-1","instanceId":"AI-2","created":2}}
{"path":"/drove/requests/AI-3","data":{"appId":"gpu-1","instanceId":"AI-3","created":3}}
{"path":"/drove/requests/AI-4","data":{"appId":"pin-1","instanceId":"AI-4","created":4}}
{"path":"/drove/requests/AI-5","data":{"appId":"nope-1","instanceId":"AI-5","created":5}}
--- expect
{"instanceId":"AI-1","appId":"gpu-1","executorId":"e2","hostname":"h2","numaNode":0,"cores":[0,1],"memoryMB":256}
{"instanceId":"AI-2","appId":"gpu-1","executorId":"e2","hostname":"h2","numaNode":0,"cores":[2,3],"memoryMB":256}
{"instanceId":"AI-3","appId":"gpu-1","executorId":"e3","hostname":"h3","numaNode":0,"cores":[0,1],"memoryMB":256}
{"instanceId":"AI-4","appId":"pin-1","executorId":"e3","hostname":"h3","numaNode":0,"cores":[2],"memoryMB":256}
{"instanceId":"AI-5","appId":"nope-1","error":"0 of 3 executors: 3 excluded by MATCH_TAG(tpu)"}
