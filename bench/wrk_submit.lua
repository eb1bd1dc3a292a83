-- Submit the first step of pre-created drafts, rotating over them.
--
-- Arguments: a file written by bench/run.py with one draft per line
--   <step path> TAB <Cookie header value> TAB <url-encoded form body>
-- then the path the step must redirect to, then the number of wrk threads.
-- Each draft belongs to its own session, so any connection may post any draft. A step saved
-- correctly answers 302 to the next step; anything else is counted as unexpected.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_report.lua")

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

local prepared = {}
local position = 0
unexpected = 0
expected_location = ""

function init(args)
  local path = assert(args[1], "usage: wrk -s wrk_submit.lua <url> -- <drafts> <next> <threads>")
  expected_location = args[2] or ""
  local thread_count = tonumber(args[3] or "1")
  for line in io.lines(path) do
    local step_path, cookie, body = line:match("^([^\t]+)\t([^\t]+)\t(.+)$")
    if step_path ~= nil then
      prepared[#prepared + 1] = wrk.format("POST", step_path, {
        ["Cookie"] = cookie,
        ["Content-Type"] = "application/x-www-form-urlencoded",
      }, body)
    end
  end
  assert(#prepared > 0, "no drafts in " .. path)
  -- Threads start at different drafts so they do not post the same one in lockstep.
  position = math.floor(thread_number * #prepared / thread_count) % #prepared
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function response(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if status ~= 302 or not location:find(expected_location, 1, true) then
    unexpected = unexpected + 1
  end
end

function extra_result()
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("unexpected") or 0)
  end
  return string.format('{"unexpected_responses": %d}', total)
end
