-- wrk script: each request takes the next public path from PATHS (one per line, set by loadtest.sh).
local paths = {}
local i = 0

init = function(args)
  for line in io.lines(os.getenv("LOADTEST_PATHS")) do
    paths[#paths + 1] = line
  end
end

request = function()
  i = i % #paths + 1
  -- wrk.format replaces wrk's headers by the ones given: keep those of -H (make bench sends
  -- X-Forwarded-Proto as the TLS proxy does).
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Host"] = "127.0.0.1"
  return wrk.format("GET", paths[i], headers)
end

-- wrk counts only socket errors and non-2xx/3xx as errors; print the status breakdown too.
local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
