-- For the write scenarios: a tag no earlier text had. Each thread of each run (the warm-up is a
-- run of its own) gets a random prefix, and each request the next number after it, because the
-- same text twice within two minutes is refused as a duplicate, rightly.
-- dofile() it after report.lua; it defines setup().
local threads_seen = 0
local n = 0

function setup(thread)
  threads_seen = threads_seen + 1
  local f = io.open("/proc/sys/kernel/random/uuid")
  thread:set("tid", threads_seen .. "-" .. f:read("*l"):sub(1, 8))
  f:close()
end

function next_tag()
  n = n + 1
  return (tid or 0) .. "-" .. n
end
