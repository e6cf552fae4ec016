-- wrk script for POST /api/v1/validate (used by benchmarks/validate.sh).
--
-- Usage: wrk -t N -c C -d Ds --latency -s validate.lua http://127.0.0.1:PORT -- REQUESTS_FILE API_KEY N
--
-- REQUESTS_FILE has one request per line: "<k>\t<json body>", k = 0,1,2 for TOTP step t-1,t,t+1,
-- ordered all users at t-1, then all at t, then all at t+1. Thread i (0-based) sends lines
-- i, i+N, i+2N, ... in order. When its slice runs out it wraps around: those requests are
-- replays and should be rejected; they are counted and reported.

local threads = {}   -- main state only (setup/done)
local next_id = 0

function setup(thread)
   thread:set("tid", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

-- per-thread state (each wrk thread has its own Lua state)
local reqs = {}
local kinds = {}
local n = 0
local pos = 0
local last_kind = 0
local wrapped_now = false

-- counters read by done() through thread:get
issued = 0
wrapped = 0
accepts = 0
rejects = 0
others = 0
non200 = 0
acc0 = 0   -- accepts attributed (approximately, +-connections per thread) to step t-1
acc1 = 0   -- ... step t
acc2 = 0   -- ... step t+1
slice = 0

function init(args)
   local path, key, nthreads = args[1], args[2], tonumber(args[3])
   if not path or not key or not nthreads then
      error("usage: wrk ... -s validate.lua URL -- REQUESTS_FILE API_KEY NTHREADS")
   end
   local f = assert(io.open(path, "r"))
   local headers = {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. key,
   }
   local g = 0
   for line in f:lines() do
      if g % nthreads == tid then
         local k, body = line:match("^(%d)\t(.*)$")
         if not k then error("bad line " .. (g + 1) .. " in " .. path) end
         n = n + 1
         reqs[n] = wrk.format("POST", "/api/v1/validate", headers, body)
         kinds[n] = tonumber(k)
      end
      g = g + 1
   end
   f:close()
   if n == 0 then error("no requests for thread " .. tid) end
   slice = n
end

function request()
   pos = pos + 1
   if pos > n then
      pos = 1
      wrapped_now = true
   end
   issued = issued + 1
   if wrapped_now then
      wrapped = wrapped + 1
   end
   last_kind = kinds[pos]
   return reqs[pos]
end

function response(status, headers, body)
   if status ~= 200 then
      non200 = non200 + 1
      others = others + 1
   elseif body and string.find(body, '"accept"', 1, true) then
      accepts = accepts + 1
      if last_kind == 0 then acc0 = acc0 + 1
      elseif last_kind == 1 then acc1 = acc1 + 1
      else acc2 = acc2 + 1 end
   elseif body and string.find(body, '"reject"', 1, true) then
      rejects = rejects + 1
   else
      others = others + 1
   end
end

function done(summary, latency, requests)
   local t = { issued = 0, wrapped = 0, accepts = 0, rejects = 0, others = 0, non200 = 0,
               acc0 = 0, acc1 = 0, acc2 = 0, slice = 0 }
   for _, th in ipairs(threads) do
      for name, _ in pairs(t) do
         t[name] = t[name] + (th:get(name) or 0)
      end
   end
   local responses = t.accepts + t.rejects + t.others
   local fresh_issued = t.issued - t.wrapped
   local secs = summary.duration / 1e6
   local errs = summary.errors
   local nerr = errs.connect + errs.read + errs.write + errs.timeout
   io.write("\n---- validate.lua summary ----\n")
   io.write(string.format("requests completed: %d in %.2f s (%.1f req/s), socket errors: %d (status>=400 per wrk: %d)\n",
      summary.requests, secs, summary.requests / secs, nerr, errs.status))
   io.write(string.format("responses: %d accept, %d reject, %d other (%d non-200)\n",
      t.accepts, t.rejects, t.others, t.non200))
   io.write(string.format("request list: %d fresh requests, %d issued, %d of them after wrap-around (replays)\n",
      t.slice, t.issued, t.wrapped))
   if t.wrapped > 0 then
      io.write("NOTE: the request list ran out before the duration ended; wrapped requests are replays and should be rejected\n")
   end
   io.write(string.format("accepts by step (approx.): t-1=%d t=%d t+1=%d\n", t.acc0, t.acc1, t.acc2))
   -- machine-readable lines for validate.sh
   io.write(string.format("BENCH requests=%d duration_s=%.6f rps=%.2f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000))
   io.write(string.format("BENCH responses=%d accepts=%d rejects=%d others=%d non200=%d socket_errors=%d\n",
      responses, t.accepts, t.rejects, t.others, t.non200, nerr))
   io.write(string.format("BENCH fresh=%d issued=%d wrapped=%d fresh_issued=%d acc0=%d acc1=%d acc2=%d\n",
      t.slice, t.issued, t.wrapped, fresh_issued, t.acc0, t.acc1, t.acc2))
end
