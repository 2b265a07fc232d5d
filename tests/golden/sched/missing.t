# Requests whose app is missing or that have no appId.
--- state
{"path":"/drove/executor/e1","data":{"type":"EXECUTOR","hostname":"h1","port":3000,"executorState":"ACTIVE","tags":["h1"],"metadata":{},"state":{"executorId":"e1","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/requests/AI-2","data":{"instanceId":"AI-2","created":2}}
{"path":"/drove/requests/AI-1","data":{"appId":"gone-1","instanceId":"AI-1","created":1}}
--- expect
{"instanceId":"AI-1","appId":"gone-1","error":"App gone-1 not found"}
{"instanceId":"AI-2","appId":"","error":"request without a valid appId"}
