-- Rotates through the pages a clinician opens; prints the figures make loadtest reports.
local paths = { "/en/acknowledge/", "/en/", "/en/drugs/baricitinib/", "/en/search/?q=bari" }
local cookie = os.getenv("COOKIE")
local counter = 0

request = function()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter], { ["Cookie"] = cookie })
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write("\n--- medinfo load test ---\n")
  io.write(string.format("requests:        %d in %.1f s\n", summary.requests, seconds))
  io.write(string.format("requests/s:      %.1f\n", summary.requests / seconds))
  for _, p in ipairs({ 50, 95, 99 }) do
    io.write(string.format("latency p%d:     %.1f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("non-2xx/3xx:     %d\n", e.status))
  io.write(string.format("errors:          %d (connect %d, read %d, write %d, timeout %d)\n",
    e.connect + e.read + e.write + e.timeout, e.connect, e.read, e.write, e.timeout))
end
