-- An Open311 GeoReport v2 POST with the demo API key.
-- wrk ... -s post_open311.lua URL -- <api-key>
dofile(os.getenv("ZIZHI_LUA_DIR") .. "/report.lua")

local key
local n = 0
local threads_seen = 0

-- Each thread of each run (the warm-up is a run of its own) writes texts no earlier run wrote:
-- the same text twice within two minutes is refused as a duplicate, rightly.
function setup(thread)
  threads_seen = threads_seen + 1
  local f = io.open("/proc/sys/kernel/random/uuid")
  thread:set("tid", threads_seen .. "-" .. f:read("*l"):sub(1, 8))
  f:close()
end

function init(args)
  key = args[1]
end

function request()
  n = n + 1
  local body = "api_key=" .. key .. "&service_code=repairs&description=%E5%8D%95%E5%85%83%E9%97%A8%E7%A6%81%E6%8D%9F%E5%9D%8F+" ..
    (tid or 0) .. "-" .. n .. "&address_string=%E4%B8%89%E8%A7%92%E7%BA%BF%E5%B0%8F%E5%8C%BA&lat=40.8&long=111.7"
  return wrk.format("POST", "/open311/v2/requests.json", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
