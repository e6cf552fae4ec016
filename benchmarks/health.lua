-- wrk script for GET /health (used by benchmarks/validate.sh): only adds a machine-readable summary.
-- Usage: wrk -t N -c C -d Ds --latency -s health.lua http://127.0.0.1:PORT/health

function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   local errs = summary.errors
   local nerr = errs.connect + errs.read + errs.write + errs.timeout
   io.write(string.format("BENCH requests=%d duration_s=%.6f rps=%.2f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000))
   io.write(string.format("BENCH socket_errors=%d status_errors=%d\n", nerr, errs.status))
end
