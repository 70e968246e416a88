-- wrk script: POST the JSON body read from the file named by $BODY_FILE to the URL's path.
--   BODY_FILE=/tmp/x/estimate.json wrk -t2 -c64 -d15s -s benches/post_body.lua http://127.0.0.1:18182/v1/estimate
local path = os.getenv("BODY_FILE")
if path == nil or path == "" then
  error("set BODY_FILE to the request body file")
end
local file = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
