-- A signed-in resident's case through the public intake form (CSRF token and session reused).
-- wrk ... -s post_form.lua URL -- <session-cookie> <csrf>
dofile(os.getenv("ZIZHI_LUA_DIR") .. "/report.lua")
dofile(os.getenv("ZIZHI_LUA_DIR") .. "/unique.lua")

local cookie, csrf

function init(args)
  cookie, csrf = args[1], args[2]
end

function request()
  -- "楼道灯不亮" with a number, so that no two are the same case.
  local body = "_csrf=" .. csrf .. "&category=public_facility&description=%E6%A5%BC%E9%81%93%E7%81%AF%E4%B8%8D%E4%BA%AE+" ..
    next_tag() .. "&address="
  return wrk.format("POST", "/report", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end
