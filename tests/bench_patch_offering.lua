-- tests/bench_patch_offering.lua: a write loop for wrk that changes what the
-- guidance keeps (sql/0019). Each request PATCHes the cost of one of the
-- first hundred example offerings (each available in many counties), with
-- If-Match: *, so every request also recomputes the kept rows of every
-- municipality of those counties for the offering's type before its COMMIT.
local counter = 0

request = function()
  counter = counter + 1
  local id = (counter % 100) + 1
  local body = string.format('{"cost_per_case_sek":%d}', 40000 + counter % 1000)
  return wrk.format("PATCH", "/v1/offerings/" .. id, {
    ["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY"),
    ["Content-Type"] = "application/merge-patch+json",
    ["If-Match"] = "*",
  }, body)
end
