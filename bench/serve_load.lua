-- wrk request mix for bench/serve_load.sh: bodies from the file in $BODIES (contexts whose latent queries are
-- precomputed: cache hits), and every 10th request a context never seen before (a latent-query miss).
-- With $RATE (requests/s over all wrk threads, $THREADS of them) each thread sends on a fixed schedule instead
-- of as fast as its connections are answered: a request waits for its slot, or goes at once when the server
-- has fallen behind (then the run measures the server's own throughput, as without $RATE).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } serve_load_timespec;
int clock_gettime(int clock, serve_load_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local now_buf = ffi.new("serve_load_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_buf)
  return tonumber(now_buf.tv_sec) * 1000 + tonumber(now_buf.tv_nsec) / 1e6
end
local rate = tonumber(os.getenv("RATE") or "0")
local threads = tonumber(os.getenv("THREADS") or "1")
local interval_ms = rate > 0 and 1000 * threads / rate or 0
local next_slot = nil
local bodies = {}
local counter = 0
local tid = 0
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
end

function init(args)
  for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
  math.randomseed(os.time() + tid)
  counter = math.random(1, #bodies)
end

-- Milliseconds until this thread's next request slot. Defined only with $RATE: wrk sends every request
-- through a timer when the script has a delay function.
if interval_ms > 0 then
  function delay()
    local now = now_ms()
    next_slot = (next_slot or now) + interval_ms
    return math.max(0, next_slot - now)
  end
end

request = function()
  counter = counter + 1
  local body
  if counter % 10 == 0 then
    -- Prompts render numbers as written ("7", "4.25"): an integer unique per thread and request.
    body = string.format('{"market":"SG","k":3,"features":{"days_past_eta":%d,"order_status":"shipped"}}',
                         tid * 100000000 + counter)
  else
    body = bodies[(counter % #bodies) + 1]
  end
  return wrk.format("POST", "/v1/recommend", {["Content-Type"] = "application/json"}, body)
end
