-- GET <prefix><id><suffix> for ids drawn at random from a file, one id a line.
-- wrk ... -s ids.lua URL -- <ids-file> <prefix> [suffix]
dofile(os.getenv("ZIZHI_LUA_DIR") .. "/report.lua")

local ids, prefix, suffix = {}, "/", ""
local threads_seen = 0

function setup(thread)
  threads_seen = threads_seen + 1
  thread:set("seed", threads_seen * 7919)
end

function init(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  prefix, suffix = args[2], args[3] or ""
  math.randomseed(seed or 1)
end

function request()
  return wrk.format("GET", prefix .. ids[math.random(1, #ids)] .. suffix)
end
