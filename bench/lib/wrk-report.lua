-- Prints wrk's summary as one JSON line, for the harness to read (latencies in microseconds).
-- With WRK_REQUESTS set, each thread stops after that many answers (the test suite's smoke run);
-- wrk still waits out its whole seconds, but no longer loads the server meanwhile.
local limit = tonumber(os.getenv('WRK_REQUESTS') or '')
if limit ~= nil then
  local answers = 0
  response = function ()
    answers = answers + 1
    if answers >= limit then wrk.thread:stop() end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,"non2xx":%d,"socketErrors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
