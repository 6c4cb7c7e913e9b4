-- wrk script for bench/run: cycles through the request paths listed in a file (one per
-- line, given after "--"), each thread starting at a different place in the list; the
-- requests are built once in init(). Results as one machine-readable line (microseconds).
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local reqs, i = {}, 0
function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then reqs[#reqs + 1] = wrk.format(nil, line) end
  end
  if #reqs == 0 then error("no paths in " .. tostring(args[1])) end
  i = ((id or 0) * 7919) % #reqs
end

function request()
  i = i % #reqs + 1
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d errors=%d status_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
