-- Plain GET of the URL on the wrk command line (with any -H headers).
dofile(os.getenv("ZIZHI_LUA_DIR") .. "/report.lua")
