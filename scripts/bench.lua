-- One URL, with the acknowledged session; prints one machine-readable line for scripts/bench.py.
cookie = os.getenv("COOKIE")  -- global: scripts/bench_search.lua shares it

request = function()
  return wrk.format("GET", nil, { ["Cookie"] = cookie })
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.2f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
