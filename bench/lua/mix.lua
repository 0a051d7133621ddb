-- The nine scenarios of bench/run interleaved, each connection taking them in turn, optionally
-- paced (bench/soak): wrk ... -s mix.lua URL -- <token> <worker-cookie> <resident-cookie> <csrf>
--   <open311-key> <ids-file> <delay-ms>
dofile(os.getenv("ZIZHI_LUA_DIR") .. "/report.lua")
dofile(os.getenv("ZIZHI_LUA_DIR") .. "/unique.lua")

local token, worker, resident, csrf, key, pause
local ids = {}
local n = 0
-- 王建 李芳 张伟 刘敏, percent-encoded.
local names = { "%E7%8E%8B%E5%BB%BA", "%E6%9D%8E%E8%8A%B3", "%E5%BC%A0%E4%BC%9F", "%E5%88%98%E6%95%8F" }

function init(args)
  token, worker, resident, csrf, key = args[1], args[2], args[3], args[4], args[5]
  for line in io.lines(args[6]) do ids[#ids + 1] = line end
  pause = tonumber(args[7]) or 0
  math.randomseed(os.time() + #(tid or ""))
end

local function bearer() return { ["Authorization"] = "Bearer " .. token } end
local function id() return ids[math.random(1, #ids)] end

local scenarios = {
  function() return wrk.format("GET", "/report") end,
  function() return wrk.format("GET", "/cases?status=in_progress", { ["Cookie"] = worker }) end,
  function() return wrk.format("GET", "/api/v1/cases?status=in_progress", bearer()) end,
  function() return wrk.format("GET", "/cases/" .. id(), { ["Cookie"] = worker }) end,
  function() return wrk.format("GET", "/api/v1/cases/" .. id(), bearer()) end,
  function() return wrk.format("GET", "/api/v1/residents?q=" .. names[(n % #names) + 1], bearer()) end,
  function() return wrk.format("GET", "/disclosures") end,
  function()
    local body = "_csrf=" .. csrf .. "&category=public_facility&description=%E6%A5%BC%E9%81%93%E7%81%AF%E4%B8%8D%E4%BA%AE+" ..
      next_tag() .. "&address="
    return wrk.format("POST", "/report", {
      ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = resident }, body)
  end,
  function()
    local body = "api_key=" .. key .. "&service_code=repairs&description=%E5%8D%95%E5%85%83%E9%97%A8%E7%A6%81%E6%8D%9F%E5%9D%8F+" ..
      next_tag() .. "&address_string=%E4%B8%89%E8%A7%92%E7%BA%BF%E5%B0%8F%E5%8C%BA&lat=40.8&long=111.7"
    return wrk.format("POST", "/open311/v2/requests.json", {
      ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
  end,
}

function request()
  n = n + 1
  return scenarios[(n % #scenarios) + 1]()
end

function delay()
  return pause
end
