-- Cold search for scripts/bench.py: a different query on every request (a drug number, a name prefix
-- or a condition), with a counter so that no two requests share an address and no stored page answers.
dofile("scripts/bench.lua")  -- the cookie and the RESULT line
local drugs = tonumber(os.getenv("DRUGS"))
local counter = 0

request = function()
  counter = counter + 1
  local n = math.random(0, drugs - 1)
  local kind = counter % 4
  local q
  if kind == 0 then
    q = string.format("synthetinib-%03d", math.floor(n / 100))  -- a name prefix: up to 100 drugs
  elseif kind == 1 then
    q = string.format("synthetic+condition+%03d", n % 60)       -- a condition
  else
    q = string.format("%05d", n)                                -- one drug, by the middle of its name
  end
  return wrk.format("GET", string.format("%s?q=%s&n=%d", wrk.path, q, counter), { ["Cookie"] = cookie })
end
