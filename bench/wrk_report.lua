-- Print wrk's summary as one JSON line that bench/run.py reads (marker: BENCH_RESULT).
-- Loaded on its own for GET targets and by wrk_submit.lua, which may define `extra_result`.

local function percentile_ms(latency, p)
  return latency:percentile(p) / 1000.0
end

function done(summary, latency, requests)
  local errors = summary.errors
  local extra = "{}"
  if extra_result ~= nil then
    extra = extra_result()
  end
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"status_errors": %d, "timeouts": %d, ' ..
    '"p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f, "max_ms": %.3f, ' ..
    '"extra": %s}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    percentile_ms(latency, 50), percentile_ms(latency, 90), percentile_ms(latency, 99),
    latency.mean / 1000.0, latency.max / 1000.0,
    extra))
end
