-- Cold search for scripts/bench.py: a different query on every request (a drug's name, a 100-drug name prefix
-- or a condition), so no stored page answers. The page cache keys only the parameters the search reads (q), so
-- the queries differ by the case of each letter, which search ignores: some 2,000 to 260,000 spellings of each.
dofile("scripts/bench.lua")  -- the cookie and the RESULT line
local drugs = tonumber(os.getenv("DRUGS"))
local counter = 0

local function any_case(text)
  return (text:gsub("%a", function(letter)
    if math.random(0, 1) == 1 then return letter:upper() end
    return letter
  end))
end

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
    q = string.format("synthetinib-%05d", n)                    -- one drug, by its name
  end
  return wrk.format("GET", string.format("%s?q=%s", wrk.path, any_case(q)), { ["Cookie"] = cookie })
end
