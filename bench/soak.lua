-- Mixed load for bench/soak.sh: per 10 requests, 5 community-stats, 2 capability pages,
-- 1 wallet read and 2 transaction creations with an Idempotency-Key drawn from a pool of
-- KEYS keys, so retries replay and the set of stored keys is the pool. KEYS=0 sends a
-- new key every time, which shows how the emulator's idempotency store grows.
local api_key = os.getenv("UUMIT_API_KEY")
local user_id = os.getenv("UUMIT_USER_ID")
local capability = os.getenv("SOAK_CAPABILITY")
local keys = tonumber(os.getenv("KEYS") or "1000")
local counter = 0

local headers = {
  ["X-Api-Key"] = api_key,
  ["X-Platform-User-Id"] = user_id,
  ["Content-Type"] = "application/json",
}

request = function()
  counter = counter + 1
  local slot = counter % 10
  if slot < 5 then
    return wrk.format("GET", "/api/v1/public/community-stats", headers)
  elseif slot < 7 then
    return wrk.format("GET", "/api/v1/capabilities?page=" .. (counter % 5 + 1) .. "&page_size=20", headers)
  elseif slot < 8 then
    return wrk.format("GET", "/api/v1/wallet", headers)
  end
  headers["Idempotency-Key"] = "soak-" .. (keys > 0 and counter % keys or counter)
  local body = '{"capability_id":"' .. capability .. '"}'
  local req = wrk.format("POST", "/api/v1/transactions", headers, body)
  headers["Idempotency-Key"] = nil
  return req
end
