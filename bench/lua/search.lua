-- Resident search by a Chinese name fragment, the fragments taking turns.
-- wrk ... -s search.lua URL
dofile(os.getenv("ZIZHI_LUA_DIR") .. "/report.lua")

-- 王 建 李 芳 张 伟 刘 敏, percent-encoded.
local q = { "%E7%8E%8B%E5%BB%BA", "%E6%9D%8E%E8%8A%B3", "%E5%BC%A0%E4%BC%9F", "%E5%88%98%E6%95%8F",
            "%E9%99%88", "%E6%9D%A8%E4%B8%BD", "%E8%B5%B5%E5%86%9B", "%E5%91%A8%E6%B6%9B" }
local n = 0

function request()
  n = n + 1
  return wrk.format("GET", "/api/v1/residents?q=" .. q[(n % #q) + 1])
end
