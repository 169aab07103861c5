-- wrk request mix for bench/serve_load.sh: bodies from the file in $BODIES (contexts whose latent queries are
-- precomputed: cache hits), and every 10th request a context never seen before (a latent-query miss).
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
