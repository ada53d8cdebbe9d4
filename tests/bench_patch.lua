-- tests/bench_patch.lua: an authenticated write loop for wrk.
-- Each request PATCHes one of the twelve methods (spread over rows so that
-- connections rarely wait for each other's row lock) with If-Match: *, so
-- every request is a full write: lock, check, update, re-read, audit entry.
local slugs = { "fft", "mst", "bsft", "mdft", "tfco", "komet", "cope", "triple-p",
                "de-otroliga-aren", "coping-power", "dina", "snap" }
local counter = 0

request = function()
  counter = counter + 1
  local slug = slugs[(counter % #slugs) + 1]
  local body = string.format('{"availability_note":"Benchmark %d."}', counter)
  return wrk.format("PATCH", "/v1/methods/" .. slug, {
    ["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY"),
    ["Content-Type"] = "application/merge-patch+json",
    ["If-Match"] = "*",
  }, body)
end
