-- wrk script for the soak: GETs the campaign's public results in turn (summary, leaderboard,
-- leaderboard.csv, an organization's summary). CAMPAIGN names the campaign.
local campaign = os.getenv("CAMPAIGN") or error("set CAMPAIGN")
local base = "/v1/campaigns/" .. campaign
local paths = {
  base .. "/summary",
  base .. "/leaderboard",
  base .. "/leaderboard.csv",
  base .. "/organizations/org-0/summary",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
