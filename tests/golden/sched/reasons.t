# A failure with counted reasons, one bucket per cause.
--- state
{"path":"/drove/executor/e1","data":{"type":"EXECUTOR","hostname":"h1","port":3000,"executorState":"ACTIVE","tags":["h1","x"],"metadata":{},"state":{"executorId":"e1","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e2","data":{"type":"EXECUTOR","hostname":"h2","port":3000,"executorState":"ACTIVE","tags":["h2","y"],"metadata":{},"state":{"executorId":"e2","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e3","data":{"type":"EXECUTOR","hostname":"h3","port":3000,"executorState":"ACTIVE","tags":["h3"],"metadata":{},"state":{"executorId":"e3","layout":{"cores":{"0":[0,1]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e4","data":{"type":"EXECUTOR","hostname":"h4","port":3000,"executorState":"ACTIVE","tags":["h4"],"metadata":{},"state":{"executorId":"e4","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":100}}}}}
{"path":"/drove/executor/e5","data":{"type":"EXECUTOR","hostname":"h5","port":3000,"executorState":"ACTIVE","tags":["h5"],"metadata":{},"state":{"executorId":"e5","layout":{"cores":{"0":[0,1,2],"1":[3,4,5]},"memory":{"0":2048,"1":2048}}}}}
{"path":"/drove/executor/e6","data":{"type":"EXECUTOR","hostname":"h6","port":3000,"executorState":"BLACKLISTED","tags":["h6"],"metadata":{},"state":{"executorId":"e6","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/executor/e7","data":{"type":"EXECUTOR","hostname":"h7","port":3000,"executorState":"UNREADY","tags":["h7"],"metadata":{},"state":{"executorId":"e7","layout":{"cores":{"0":[0,1,2,3]},"memory":{"0":4096}}}}}
{"path":"/drove/applications/web-1","data":{"appId":"web-1","spec":{"name":"web","version":"1","type":"SERVICE","resources":[{"type":"CPU","count":4},{"type":"MEMORY","sizeInMB":1024}]},"instances":1,"created":1,"updated":1}}
{"path":"/drove/requests/AI-1","data":{"appId":"web-1","instanceId":"AI-1","created":1}}
--- expect
{"instanceId":"AI-1","appId":"web-1","error":"0 of 7 executors: 2 excluded by NO_TAG, 2 lack 4 free cores on one NUMA node, 1 lack 1024 MB of memory on one NUMA node, 2 not ACTIVE"}
