-- wrk script of the ceiling benchmark (benchmarks/ceiling.py writes the data it reads).
--
-- CEILING_DATA names a Lua file that returns a list of requests {path=, body=, cookie=, csrf=}.
-- Thread t of T sends entries t, t+T, t+2T, ... so that no two requests share an entry (a
-- redemption's quote buys once). Every request carries a fresh Idempotency-Key.
local data = dofile(os.getenv("CEILING_DATA"))
local run = os.getenv("CEILING_RUN") or tostring(os.time())
local stride = tonumber(os.getenv("CEILING_THREADS") or "1")
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter - 1)
end

function init(args)
  sent = 0
end

function request()
  local entry = data[((tid or 0) + sent * stride) % #data + 1]
  sent = sent + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Cookie"] = entry.cookie,
    ["X-CSRFToken"] = entry.csrf,
    ["Idempotency-Key"] = run .. "-" .. tostring(tid or 0) .. "-" .. tostring(sent),
  }
  return wrk.format("POST", entry.path, headers, entry.body)
end

function done(summary, latency, requests)
  io.write(string.format(
    "CEILING requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  ))
end
