-- wrk script for bench/intake: every request POSTs the same prescription with a
-- clinic's API key (no Idempotency-Key, so each one makes a new order), each for a
-- patient of its own, as a clinic's traffic is (one prescriber, many patients).
-- Arguments after "--": <api key> <path of the JSON body file> <tag unique to this run>.

local threads = 0

-- setup runs in the main Lua state before each thread's init: number the threads.
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  -- init runs in each wrk thread's own Lua state, so every thread reads the body.
  local file = assert(io.open(args[2], "rb"))
  wrk.method = "POST"
  template = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  -- Patient names unique across threads and runs (warm-up, rounds): the run's tag
  -- comes from run.py, because math.random is unseeded and the same in every run.
  patient_prefix = "Lovelace-" .. args[3] .. "-" .. thread_number .. "-"
  counter = 0
end

function request()
  counter = counter + 1
  -- The first "Lovelace" in the body is the patient's last name.
  return wrk.format(nil, nil, nil, (template:gsub("Lovelace", patient_prefix .. counter, 1)))
end

-- One machine-readable line for run.py, so it need not parse wrk's human report.
-- Latencies are in microseconds; `non_2xx` is wrk's "Non-2xx or 3xx responses".
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "non_2xx": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "timeouts": %d, '
      .. '"p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max
  ))
end
