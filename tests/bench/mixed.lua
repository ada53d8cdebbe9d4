-- tests/bench/mixed.lua: cached and uncached reads on the same connections.
-- Nine requests in ten read a cached method; the tenth searches for a word
-- never asked before, so it misses every cache and waits for PostgreSQL.
-- The row's p99 shows how long such a read holds up the cached ones that
-- share its server thread.
local counter = 0

request = function()
  counter = counter + 1
  if counter % 10 == 0 then
    return wrk.format("GET", string.format("/v1/search?q=bench%dx%d", math.random(1, 1000000000), counter))
  end
  return wrk.format("GET", "/v1/methods/fft")
end
