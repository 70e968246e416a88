// Uses the client generated from openapi/openapi.json the way a campaign website or an
// organization's script would. `tsc --noEmit` fails when the spec no longer describes these
// calls, and the `@ts-expect-error` lines fail when the spec stops rejecting a wrong request.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/api";

type Schemas = components["schemas"];
type Problem = Schemas["Problem"];

const api = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });
const campaign_id = "beijing-green-week-2026";

function explain(problem: Problem): string {
  const fields = problem.errors.map((e) => `${e.field}: ${e.message}`);
  return `${problem.status} ${problem.title}: ${problem.detail} ${fields.join("; ")}`;
}

/** The calculator: a two-leg commute against the campaign's baseline. */
export async function savingOfCycleAndMetro(): Promise<number> {
  const { data, error } = await api.POST("/v1/estimate", {
    body: {
      factor_set: "cn-2022",
      region: "CN-BJ",
      legs: [
        { mode: "bicycle", distance_km: 2 },
        { mode: "metro", distance_km: 9 },
      ],
      round_trip: false,
      baseline: { mode: "car" },
    },
  });
  if (error) throw new Error(explain(error));
  const legs: Schemas["LegResponse"][] = data.legs;
  const sources: string[] = legs.map((leg) => `${leg.mode}: ${leg.co2e_g_per_km} g/km (${leg.source})`);
  console.log(sources.join("\n"), data.baseline.co2e_g, data.grid_region?.id ?? "no grid");
  return data.savings_g;
}

/** The campaign page: totals, a filtered leaderboard and one organization's days. */
export async function campaignPage(): Promise<string[]> {
  const summary = await api.GET("/v1/campaigns/{campaign_id}/summary", {
    params: { path: { campaign_id } },
  });
  if (!summary.data) throw new Error("no summary");
  const totals: Schemas["CampaignSummary"] = summary.data;
  const modes = totals.by_mode.map((m) => `${m.mode} ${m.savings_g}`);

  const board = await api.GET("/v1/campaigns/{campaign_id}/leaderboard", {
    params: {
      path: { campaign_id },
      query: { kind: "enterprise", sort: "savings_per_participant", limit: 10 },
    },
  });
  const entries: Schemas["LeaderboardEntry"][] = board.data?.entries ?? [];
  const first = entries[0]?.organization.id ?? "sunrise-tech";

  const organization = await api.GET("/v1/campaigns/{campaign_id}/organizations/{organization_id}/summary", {
    params: { path: { campaign_id, organization_id: first } },
  });
  const days = (organization.data?.by_day ?? []).map((d) => `${d.date}: ${d.savings_g} g in ${d.trips} trips`);
  return [...modes, ...days, `${totals.participants} participants, ${totals.savings_per_participant_g} g each`];
}

/** An organization's script: log commutes with its key, then read them back page by page. */
export async function logAndList(key: string): Promise<number> {
  const headers = { Authorization: `Bearer ${key}` };
  const logged = await api.POST("/v1/campaigns/{campaign_id}/trips", {
    params: { path: { campaign_id } },
    headers,
    body: {
      trips: [
        { participant: "emp-0001", date: "2026-06-02", direction: "to_work", mode: "metro", distance_km: 12.5 },
        {
          participant: "emp-0003",
          date: "2026-06-02",
          direction: "round_trip",
          mode: "car",
          distance_km: 18,
          passengers: 3,
        },
      ],
    },
  });
  if (logged.error) throw new Error(explain(logged.error));
  const duplicates = logged.data.trips.filter((t) => t.duplicate).length;

  let cursor: string | undefined;
  let listed = 0;
  do {
    const page = await api.GET("/v1/campaigns/{campaign_id}/trips", {
      params: { path: { campaign_id }, query: { limit: 1000, ...(cursor ? { cursor } : {}) } },
      headers,
    });
    if (!page.data) break;
    listed += page.data.trips.length;
    cursor = page.data.next_cursor ?? undefined;
  } while (cursor);
  return listed + duplicates;
}

/** The admin: a campaign, an organization, its enrollment and a key. */
export async function setUp(adminToken: string): Promise<string> {
  const headers = { Authorization: `Bearer ${adminToken}` };
  const created = await api.POST("/v1/campaigns", {
    headers,
    body: { id: "haidian-bike-month-2026", name: "Haidian Bike-to-Work Month", starts_on: "2026-09-01", ends_on: "2026-09-30" },
  });
  if (created.error) throw new Error(explain(created.error));
  const kind: Schemas["OrganizationKind"] = "institution";
  await api.POST("/v1/organizations", { headers, body: { id: "lakeside-hospital", name: "Lakeside Hospital", kind } });
  await api.PUT("/v1/campaigns/{campaign_id}/organizations/{organization_id}", {
    params: { path: { campaign_id: created.data.id, organization_id: "lakeside-hospital" } },
    headers,
  });
  const key = await api.POST("/v1/organizations/{organization_id}/keys", {
    params: { path: { organization_id: "lakeside-hospital" } },
    headers,
  });
  return key.data?.key ?? "";
}

/** Requests the spec rejects at compile time. */
export async function rejected(): Promise<void> {
  // @ts-expect-error distance_km is a number
  await api.POST("/v1/estimate", { body: { mode: "metro", distance_km: "9" } });
  // @ts-expect-error no such path
  await api.GET("/v1/estimates");
  // @ts-expect-error kind is one of the five organization kinds
  await api.POST("/v1/organizations", { body: { id: "x-y", name: "X", kind: "company" } });
  await api.GET("/v1/campaigns/{campaign_id}/leaderboard", {
    // @ts-expect-error sort is savings or savings_per_participant
    params: { path: { campaign_id }, query: { sort: "trips" } },
  });
}
