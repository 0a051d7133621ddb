-- An Open311 GeoReport v2 POST with the demo API key.
-- wrk ... -s post_open311.lua URL -- <api-key>
dofile(os.getenv("ZIZHI_LUA_DIR") .. "/report.lua")
dofile(os.getenv("ZIZHI_LUA_DIR") .. "/unique.lua")

local key

function init(args)
  key = args[1]
end

function request()
  local body = "api_key=" .. key .. "&service_code=repairs&description=%E5%8D%95%E5%85%83%E9%97%A8%E7%A6%81%E6%8D%9F%E5%9D%8F+" ..
    next_tag() .. "&address_string=%E4%B8%89%E8%A7%92%E7%BA%BF%E5%B0%8F%E5%8C%BA&lat=40.8&long=111.7"
  return wrk.format("POST", "/open311/v2/requests.json", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
