-- A signed-in resident's case through the public intake form (CSRF token and session reused).
-- wrk ... -s post_form.lua URL -- <session-cookie> <csrf>
dofile(os.getenv("ZIZHI_LUA_DIR") .. "/report.lua")

local cookie, csrf
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
  cookie, csrf = args[1], args[2]
end

function request()
  n = n + 1
  -- "楼道灯不亮" with a number, so that no two are the same case.
  local body = "_csrf=" .. csrf .. "&category=public_facility&description=%E6%A5%BC%E9%81%93%E7%81%AF%E4%B8%8D%E4%BA%AE+" ..
    (tid or 0) .. "-" .. n .. "&address="
  return wrk.format("POST", "/report", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end
