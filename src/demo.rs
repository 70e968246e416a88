//! The demo campaign behind `serve --demo`: a fortnight of believable commutes in Beijing, seeded
//! through the same store and domain calls as the API, so testers see living results at once.
//!
//! Seeding is deterministic (a fixed-seed generator, one stream per organization) and idempotent:
//! an existing campaign and existing organizations are reused, and every trip is logged under the
//! trip key, so a second run finds each one already stored and counts nothing twice.

use std::collections::BTreeSet;
use std::time::Instant;

use jiff::civil::{Date, Weekday};

use crate::config::ServeConfig;
use crate::domain::campaign::{Direction, OrganizationKind, Participant};
use crate::domain::estimate::{resolve_grid, BaselineSpec, LegSpec, TripPlan};
use crate::domain::trip::{compute, ComputedTrip, TripInput};
use crate::domain::{Distance, Passengers};
use crate::factors::{Catalogue, FactorSet};
use crate::http::auth::{hash_key, random_hex, KEY_PREFIX};
use crate::http::now;
use crate::store::{
    ApiKeyRecord, CampaignRecord, OpenError, OrganizationRecord, Store, StoreError, TripBatch,
};
use Habit::*;
use OrganizationKind::{Community, Enterprise, Institution, Other, SocialOrganization};

/// Id of the demo campaign (the id the OpenAPI examples use).
pub const CAMPAIGN_ID: &str = "beijing-green-week-2026";
/// The organization whose key the demo prints (the one the OpenAPI examples use).
pub const KEY_ORGANIZATION_ID: &str = "sunrise-tech";
/// A key of `sunrise-tech` that the demo creates already revoked, so that the OpenAPI example of
/// revoking a key succeeds without touching the key a tester was given.
pub const SPARE_KEY_ID: &str = "key_demo_spare";

/// The demo campaign's region: Beijing, whose grid factor its electric modes use.
const REGION: &str = "CN-BJ";
/// First day of the demo campaign (a Monday).
const STARTS_ON: Date = jiff::civil::date(2026, 6, 1);
/// Last day of the demo campaign: two full weeks.
const ENDS_ON: Date = jiff::civil::date(2026, 6, 14);
/// Days of heavy rain, when cyclists take the metro or a taxi.
const RAINY_DAYS: [Date; 2] = [
    jiff::civil::date(2026, 6, 5),
    jiff::civil::date(2026, 6, 11),
];

/// Why the demo could not be seeded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The factor sets failed to load.
    #[error(transparent)]
    Startup(#[from] crate::startup::StartupError),
    /// The store could not be opened.
    #[error("store: {0}")]
    Open(#[from] OpenError),
    /// A store operation failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The demo data does not fit the campaign's factor set (a bug, or a replaced factor file).
    #[error("the demo data is invalid for factor set `{set}`: {detail}")]
    Invalid {
        /// The campaign's factor set.
        set: String,
        /// What was wrong.
        detail: String,
    },
}

/// What seeding did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// Whether the campaign was created (false: an existing one was reused).
    pub campaign_created: bool,
    /// Organizations enrolled in the demo.
    pub organizations: usize,
    /// Of those, newly created.
    pub organizations_created: usize,
    /// Distinct (organization, participant) pairs among the generated trips.
    pub participants: usize,
    /// Trips newly stored.
    pub trips_new: usize,
    /// Trips found already stored (not counted again).
    pub trips_existing: usize,
    /// Distinct days with trips.
    pub days: usize,
}

/// A key issued for the tester.
#[derive(Debug, Clone)]
pub struct DemoKey {
    /// Key id, for revocation.
    pub id: String,
    /// The secret, shown once.
    pub key: String,
}

/// Seeds the demo into the configured store and prints how to try it; returns the configuration
/// to serve with, holding a generated admin token when none was configured so that the banner can
/// show the token the server will accept.
pub async fn prepare(mut config: ServeConfig) -> Result<ServeConfig, DemoError> {
    let started = Instant::now();
    let catalogue = crate::startup::load_catalogue(&config)?;
    let store = Store::open(&config.database_url)?;
    let report = seed(&store, &catalogue).await?;
    let key = issue_key(&store).await?;
    let admin = match &config.admin_token {
        Some(token) if !token.trim().is_empty() => {
            "the one configured (--admin-token / GREEN_COMMUTE_ADMIN_TOKEN)".to_owned()
        }
        _ => {
            let token = random_hex(24);
            config.admin_token = Some(token.clone());
            format!("{token}  (generated for this run)")
        }
    };
    let base = format!("http://{}", config.bind);
    // Printed on standard output, never through the logs: the secrets are for the person at the terminal.
    println!(
        "Demo campaign `{CAMPAIGN_ID}` ready in {:.1} s: {} organizations, {} participants, \
         {} trips over {} days ({} new, {} already stored).\n\
         \x20 Campaign page:  {base}/campaigns/{CAMPAIGN_ID}\n\
         \x20 Swagger UI:     {base}/swagger-ui/  (\"Authorize\" with one of these)\n\
         \x20   admin token:       {admin}\n\
         \x20   {KEY_ORGANIZATION_ID} key:  {}  (key id {}; logs that organization's commutes)",
        started.elapsed().as_secs_f64(),
        report.organizations,
        report.participants,
        report.trips_new + report.trips_existing,
        report.days,
        report.trips_new,
        report.trips_existing,
        key.key,
        key.id,
    );
    Ok(config)
}

/// Seeds the campaign, its organizations and their commutes; safe to run any number of times.
pub async fn seed(store: &Store, catalogue: &Catalogue) -> Result<SeedReport, DemoError> {
    let (campaign, campaign_created) = ensure_campaign(store, catalogue).await?;
    let set_json = store.campaign_snapshot(&campaign.id).await?;
    let set = crate::factors::parse(
        &format!("snapshot of campaign `{}`", campaign.id),
        &set_json,
    )
    .map_err(|e| invalid(&campaign.factor_set_id, e.to_string()))?;
    let grid = resolve_grid(&set, campaign.region.as_deref())
        .map_err(|detail| invalid(set.id(), detail))?;

    let mut report = SeedReport {
        campaign_created,
        organizations: ORGANIZATIONS.len(),
        organizations_created: 0,
        participants: 0,
        trips_new: 0,
        trips_existing: 0,
        days: 0,
    };
    let mut days = BTreeSet::new();
    for plan in ORGANIZATIONS {
        if ensure_organization(store, plan).await? {
            report.organizations_created += 1;
        }
        store.enroll(&campaign.id, plan.id, now()).await?;
        let mut participants = BTreeSet::new();
        let mut trips = Vec::new();
        for commute in commutes(plan, campaign.starts_on, campaign.ends_on) {
            participants.insert(commute.participant.clone());
            days.insert(commute.date);
            trips.push(compute_commute(&set, grid, &campaign, commute)?);
        }
        report.participants += participants.len();
        if trips.is_empty() {
            continue;
        }
        let logged = store
            .log_trips(TripBatch {
                campaign_id: campaign.id.clone(),
                organization_id: plan.id.to_owned(),
                trips,
                created_at: now(),
            })
            .await?;
        let existing = logged.iter().filter(|t| t.duplicate).count();
        report.trips_existing += existing;
        report.trips_new += logged.len() - existing;
    }
    report.days = days.len();
    Ok(report)
}

/// Issues a fresh key for `sunrise-tech` (keys are stored only as hashes, so an earlier one
/// cannot be shown again), and makes sure the revoked spare key exists.
pub async fn issue_key(store: &Store) -> Result<DemoKey, DemoError> {
    // Revoking is idempotent and answers NotFound only when the key does not exist yet.
    match store
        .revoke_key(KEY_ORGANIZATION_ID, SPARE_KEY_ID, now())
        .await
    {
        Ok(()) => {}
        Err(StoreError::NotFound(_)) => {
            store
                .create_key(ApiKeyRecord {
                    id: SPARE_KEY_ID.to_owned(),
                    organization_id: KEY_ORGANIZATION_ID.to_owned(),
                    key_hash: hash_key(&format!("{KEY_PREFIX}{}", random_hex(24))),
                    created_at: now(),
                })
                .await?;
            store
                .revoke_key(KEY_ORGANIZATION_ID, SPARE_KEY_ID, now())
                .await?;
        }
        Err(other) => return Err(other.into()),
    }
    let key = DemoKey {
        id: format!("key_{}", random_hex(6)),
        key: format!("{KEY_PREFIX}{}", random_hex(24)),
    };
    store
        .create_key(ApiKeyRecord {
            id: key.id.clone(),
            organization_id: KEY_ORGANIZATION_ID.to_owned(),
            key_hash: hash_key(&key.key),
            created_at: now(),
        })
        .await?;
    Ok(key)
}

fn invalid(set: &str, detail: impl Into<String>) -> DemoError {
    DemoError::Invalid {
        set: set.to_owned(),
        detail: detail.into(),
    }
}

/// The demo campaign: the stored one if it exists (whatever was changed since), else a new one.
async fn ensure_campaign(
    store: &Store,
    catalogue: &Catalogue,
) -> Result<(CampaignRecord, bool), DemoError> {
    match store.get_campaign(CAMPAIGN_ID).await {
        Ok(campaign) => return Ok((campaign, false)),
        Err(StoreError::NotFound(_)) => {}
        Err(other) => return Err(other.into()),
    }
    let set = catalogue.default_set();
    // As the API does: a set without grid regions keeps the region as plain text.
    let region = if set.grid_regions().is_empty() {
        Some(REGION.to_owned())
    } else {
        resolve_grid(set, Some(REGION))
            .map_err(|detail| invalid(set.id(), detail))?
            .map(|grid| grid.id.clone())
    };
    let created_at = now();
    let campaign = CampaignRecord {
        id: CAMPAIGN_ID.to_owned(),
        name: "Beijing Green Commuting Week 2026 · 北京绿色出行周".to_owned(),
        description: "Two weeks in June: walk, cycle, ride the metro or the bus, share a car or \
                      work from home, and see what your organization saves. \
                      六月两周：步行、骑行、乘地铁公交、拼车或居家办公，看看你的单位减排多少。"
            .to_owned(),
        region,
        time_zone: crate::http::campaigns::DEFAULT_TIME_ZONE.to_owned(),
        starts_on: STARTS_ON,
        ends_on: ENDS_ON,
        factor_set_id: set.id().to_owned(),
        factor_set_version: set.version().to_owned(),
        baseline_mode: set.default_baseline_mode().mode.as_str().to_owned(),
        public: true,
        created_at: created_at.clone(),
        updated_at: created_at,
        revision: 1,
    };
    let snapshot = serde_json::to_string(set.file())
        .map_err(|e| invalid(set.id(), format!("the snapshot does not serialize: {e}")))?;
    match store.create_campaign(campaign.clone(), snapshot).await {
        Ok(()) => Ok((campaign, true)),
        // Another process created it between the two calls: use that one.
        Err(StoreError::Conflict(_)) => Ok((store.get_campaign(CAMPAIGN_ID).await?, false)),
        Err(other) => Err(other.into()),
    }
}

/// Creates the organization unless it exists; true when created.
async fn ensure_organization(store: &Store, plan: &OrganizationPlan) -> Result<bool, DemoError> {
    match store.get_organization(plan.id).await {
        Ok(_) => return Ok(false),
        Err(StoreError::NotFound(_)) => {}
        Err(other) => return Err(other.into()),
    }
    let record = OrganizationRecord {
        id: plan.id.to_owned(),
        name: plan.name.to_owned(),
        kind: plan.kind,
        city: Some("Beijing".to_owned()),
        headcount: Some(plan.headcount),
        created_at: now(),
    };
    match store.create_organization(record).await {
        Ok(()) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(other) => Err(other.into()),
    }
}

fn compute_commute(
    set: &FactorSet,
    grid: Option<&crate::factors::GridRegion>,
    campaign: &CampaignRecord,
    commute: Commute,
) -> Result<ComputedTrip, DemoError> {
    let participant = Participant::try_from(commute.participant.as_str())
        .map_err(|detail| invalid(set.id(), detail))?;
    let legs = commute
        .legs
        .iter()
        .enumerate()
        .map(|(i, leg)| {
            let distance = Distance::try_from(leg.distance_km)
                .map_err(|e| invalid(set.id(), format!("legs[{i}].distance_km: {e}")))?;
            let passengers = leg
                .passengers
                .map(|p| Passengers::try_from(i64::from(p)))
                .transpose()
                .map_err(|detail| invalid(set.id(), detail))?;
            Ok(LegSpec {
                mode: leg.mode.to_owned(),
                distance,
                passengers,
                index: Some(i),
            })
        })
        .collect::<Result<Vec<_>, DemoError>>()?;
    let input = TripInput {
        participant,
        date: commute.date,
        direction: commute.direction,
        plan: TripPlan {
            legs,
            round_trip: false,
            baseline: BaselineSpec {
                mode: commute.baseline.map(str::to_owned),
                distance: None,
                passengers: None,
            },
        },
    };
    compute(set, grid, &campaign.baseline_mode, input)
        .map_err(|errors| invalid(set.id(), errors.to_string()))
}

/// One organization of the demo and how its members commute.
struct OrganizationPlan {
    id: &'static str,
    name: &'static str,
    kind: OrganizationKind,
    headcount: i64,
    /// Members taking part.
    members: u32,
    /// Shortest and longest one-way commute, km; most members live towards the short end.
    distance_km: (f64, f64),
    /// Relative weights of the usual commute.
    habits: &'static [(Habit, u32)],
    /// Chance that a member works from home on a weekday (doubled on Fridays).
    telework: f64,
    /// Chance that a member works on a given weekend day (shifts, volunteering, rides).
    weekend: f64,
}

/// A usual way to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Habit {
    Walk,
    Bicycle,
    EBike,
    Scooter,
    Bus,
    /// Walk to the station, metro, walk to the office.
    Metro,
    /// Cycle to the station, then the metro.
    BikeMetro,
    /// Metro into town, then suburban rail.
    Rail,
    /// The employer's shuttle bus.
    Shuttle,
    /// Two to four colleagues in one car.
    CarPool,
    Drive,
    ElectricCar,
    Taxi,
    Motorcycle,
}

impl Habit {
    /// Whether the habit is plausible over a one-way commute of `km`.
    fn fits(self, km: f64) -> bool {
        match self {
            Self::Walk => km <= 3.0,
            Self::Bicycle => km <= 12.0,
            Self::EBike => (2.0..=25.0).contains(&km),
            Self::Scooter => (2.0..=15.0).contains(&km),
            Self::Bus => (1.5..=22.0).contains(&km),
            Self::Metro => km >= 4.0,
            Self::BikeMetro => km >= 6.0,
            Self::Rail => km >= 25.0,
            Self::Shuttle => km >= 8.0,
            Self::CarPool | Self::ElectricCar => km >= 5.0,
            Self::Drive | Self::Taxi => km >= 3.0,
            Self::Motorcycle => (5.0..=30.0).contains(&km),
        }
    }

    /// Whether rain sends this commuter to the metro or a taxi.
    fn avoids_rain(self) -> bool {
        matches!(
            self,
            Self::Walk | Self::Bicycle | Self::EBike | Self::Scooter | Self::BikeMetro
        )
    }
}

/// The organizations, in seeding order: `sunrise-tech` first, so that its trips get the first
/// ids and the OpenAPI example of deleting trip 1 works with its key.
const ORGANIZATIONS: &[OrganizationPlan] = &[
    OrganizationPlan {
        id: "sunrise-tech",
        name: "Sunrise Technology 朝阳科技",
        kind: Enterprise,
        headcount: 420,
        members: 46,
        distance_km: (1.0, 30.0),
        habits: &[
            (Metro, 35),
            (BikeMetro, 8),
            (Bus, 10),
            (Bicycle, 12),
            (EBike, 8),
            (Walk, 5),
            (CarPool, 7),
            (Drive, 6),
            (ElectricCar, 4),
            (Taxi, 2),
        ],
        telework: 0.10,
        weekend: 0.03,
    },
    OrganizationPlan {
        id: "jingcheng-bank",
        name: "Jingcheng Bank 京城银行",
        kind: Enterprise,
        headcount: 860,
        members: 40,
        distance_km: (2.0, 40.0),
        habits: &[
            (Metro, 45),
            (Bus, 12),
            (BikeMetro, 5),
            (Rail, 4),
            (Drive, 12),
            (CarPool, 5),
            (Taxi, 4),
            (Bicycle, 6),
            (Walk, 3),
            (ElectricCar, 5),
        ],
        telework: 0.04,
        weekend: 0.02,
    },
    OrganizationPlan {
        id: "zhongguancun-ai-lab",
        name: "Zhongguancun AI Lab 中关村智能实验室",
        kind: Enterprise,
        headcount: 210,
        members: 34,
        distance_km: (1.0, 28.0),
        habits: &[
            (Bicycle, 18),
            (EBike, 10),
            (Metro, 30),
            (Shuttle, 12),
            (Walk, 6),
            (Bus, 6),
            (Drive, 5),
            (ElectricCar, 6),
        ],
        telework: 0.16,
        weekend: 0.05,
    },
    OrganizationPlan {
        id: "north-star-logistics",
        name: "North Star Logistics 北辰物流",
        kind: Enterprise,
        headcount: 380,
        members: 30,
        distance_km: (3.0, 40.0),
        habits: &[
            (Shuttle, 25),
            (CarPool, 15),
            (Drive, 15),
            (EBike, 15),
            (Bus, 10),
            (Metro, 10),
            (Motorcycle, 3),
            (Scooter, 5),
        ],
        telework: 0.0,
        weekend: 0.35,
    },
    OrganizationPlan {
        id: "capital-medical-center",
        name: "Capital Medical Center 首都医疗中心",
        kind: Institution,
        headcount: 1200,
        members: 44,
        distance_km: (1.0, 30.0),
        habits: &[
            (Metro, 30),
            (Bus, 18),
            (Bicycle, 10),
            (EBike, 10),
            (Walk, 6),
            (Drive, 10),
            (Taxi, 6),
            (CarPool, 4),
        ],
        telework: 0.0,
        weekend: 0.40,
    },
    OrganizationPlan {
        id: "no-8-middle-school",
        name: "Beijing No. 8 Middle School 北京第八中学",
        kind: Institution,
        headcount: 160,
        members: 24,
        distance_km: (0.5, 18.0),
        habits: &[
            (Walk, 15),
            (Bicycle, 18),
            (EBike, 14),
            (Bus, 18),
            (Metro, 20),
            (Drive, 8),
            (CarPool, 5),
        ],
        telework: 0.0,
        weekend: 0.0,
    },
    OrganizationPlan {
        id: "xicheng-service-center",
        name: "Xicheng Government Service Center 西城区政务服务中心",
        kind: Institution,
        headcount: 300,
        members: 30,
        distance_km: (2.0, 25.0),
        habits: &[
            (Metro, 40),
            (Bus, 22),
            (Bicycle, 10),
            (EBike, 6),
            (Walk, 4),
            (Drive, 8),
            (ElectricCar, 4),
        ],
        telework: 0.02,
        weekend: 0.05,
    },
    OrganizationPlan {
        id: "green-roots-association",
        name: "Green Roots Environmental Association 绿根环保协会",
        kind: SocialOrganization,
        headcount: 40,
        members: 16,
        distance_km: (0.5, 15.0),
        habits: &[
            (Bicycle, 40),
            (Walk, 15),
            (Metro, 20),
            (Bus, 10),
            (EBike, 10),
        ],
        telework: 0.20,
        weekend: 0.20,
    },
    OrganizationPlan {
        id: "youth-volunteer-league",
        name: "Youth Volunteer League 青年志愿者联合会",
        kind: SocialOrganization,
        headcount: 90,
        members: 20,
        distance_km: (1.0, 20.0),
        habits: &[
            (Metro, 30),
            (Bus, 25),
            (Bicycle, 20),
            (EBike, 10),
            (Walk, 10),
        ],
        telework: 0.05,
        weekend: 0.30,
    },
    OrganizationPlan {
        id: "wudaokou-community",
        name: "Wudaokou Community 五道口社区",
        kind: Community,
        headcount: 5200,
        members: 36,
        distance_km: (0.5, 20.0),
        habits: &[
            (Bicycle, 20),
            (Metro, 30),
            (Walk, 12),
            (Bus, 15),
            (EBike, 10),
            (Drive, 6),
            (CarPool, 3),
        ],
        telework: 0.08,
        weekend: 0.15,
    },
    OrganizationPlan {
        id: "tiantongyuan-community",
        name: "Tiantongyuan Community 天通苑社区",
        kind: Community,
        headcount: 8600,
        members: 40,
        distance_km: (8.0, 40.0),
        habits: &[
            (Metro, 45),
            (BikeMetro, 15),
            (Bus, 10),
            (CarPool, 8),
            (Drive, 10),
            (EBike, 5),
        ],
        telework: 0.06,
        weekend: 0.10,
    },
    OrganizationPlan {
        id: "wangjing-community",
        name: "Wangjing Community 望京社区",
        kind: Community,
        headcount: 6100,
        members: 30,
        distance_km: (1.0, 25.0),
        habits: &[
            (Metro, 35),
            (Bus, 15),
            (Bicycle, 15),
            (EBike, 15),
            (Walk, 8),
            (Drive, 8),
            (ElectricCar, 4),
        ],
        telework: 0.08,
        weekend: 0.10,
    },
    OrganizationPlan {
        id: "bike-commuters-club",
        name: "Beijing Bike Commuters Club 北京骑行通勤俱乐部",
        kind: Other,
        headcount: 60,
        members: 14,
        distance_km: (3.0, 25.0),
        habits: &[(Bicycle, 70), (EBike, 15), (Metro, 10), (BikeMetro, 5)],
        telework: 0.05,
        weekend: 0.50,
    },
];

/// One leg of a generated commute.
#[derive(Debug, Clone, Copy)]
struct Leg {
    mode: &'static str,
    distance_km: f64,
    passengers: Option<u8>,
}

/// A generated commute, before it is validated and computed like any logged trip.
#[derive(Debug, Clone)]
struct Commute {
    participant: String,
    date: Date,
    direction: Direction,
    legs: Vec<Leg>,
    baseline: Option<&'static str>,
}

/// A member's habits, drawn once.
struct Member {
    participant: String,
    distance_km: f64,
    usual: Habit,
    /// The way taken on a rainy day or for a change.
    alternative: Habit,
    /// Chance of logging a day worked.
    diligence: f64,
    /// How the member logs: both ways at once, each way apart, or the way in only.
    logs_round_trips: bool,
    logs_way_home: bool,
    /// The car usually driven, as the member's own baseline (else the campaign's).
    baseline: Option<&'static str>,
    passengers: u8,
    car_mode: &'static str,
}

/// Every commute of the organization's members within the campaign, in a fixed order.
fn commutes(plan: &OrganizationPlan, starts_on: Date, ends_on: Date) -> Vec<Commute> {
    let mut rng = Rng::for_name(plan.id);
    let members: Vec<Member> = (1..=plan.members)
        .map(|n| draw_member(plan, n, &mut rng))
        .collect();
    let mut out = Vec::new();
    let mut day = STARTS_ON;
    loop {
        let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
        let rainy = RAINY_DAYS.contains(&day);
        for member in &members {
            // Draw for every member and day, in or out of the campaign, so that the stream stays
            // the same whatever period a reused campaign has.
            let works = rng.chance(if weekend { plan.weekend } else { 0.96 });
            let logs = rng.chance(member.diligence);
            let telework_p = if day.weekday() == Weekday::Friday {
                plan.telework * 2.0
            } else {
                plan.telework
            };
            let teleworks = !weekend && rng.chance(telework_p);
            let varies = rng.chance(0.12);
            let home_varies = rng.chance(0.2);
            let pick = rng.next_u64();
            if !(works && logs) || day < starts_on || day > ends_on {
                continue;
            }
            let trip = |direction, legs| Commute {
                participant: member.participant.clone(),
                date: day,
                direction,
                legs,
                baseline: member.baseline,
            };
            if teleworks {
                out.push(trip(
                    Direction::RoundTrip,
                    vec![leg("telework", member.distance_km, None)],
                ));
                continue;
            }
            let habit = if (rainy && member.usual.avoids_rain()) || varies {
                member.alternative
            } else {
                member.usual
            };
            let way_in = legs(member, habit, pick);
            if member.logs_round_trips {
                out.push(trip(Direction::RoundTrip, way_in));
                continue;
            }
            out.push(trip(Direction::ToWork, way_in.clone()));
            if member.logs_way_home {
                let home = if home_varies && !rainy && member.alternative != habit {
                    legs(member, member.alternative, pick)
                } else {
                    way_in
                };
                out.push(trip(Direction::FromWork, home));
            }
        }
        match day.tomorrow() {
            Ok(next) if day < ENDS_ON => day = next,
            _ => break,
        }
    }
    out
}

fn draw_member(plan: &OrganizationPlan, n: u32, rng: &mut Rng) -> Member {
    let (shortest, longest) = plan.distance_km;
    let u = rng.unit();
    // Squaring skews towards short commutes, as in any city's travel survey.
    let distance_km = round_km(shortest + (longest - shortest) * u * u);
    let usual = rng
        .weighted(plan.habits, distance_km)
        .unwrap_or(if distance_km >= 4.0 { Metro } else { Bus });
    let alternative = if usual.avoids_rain() {
        if distance_km >= 4.0 {
            Metro
        } else {
            Bus
        }
    } else {
        rng.weighted(plan.habits, distance_km)
            .filter(|h| *h != usual)
            .unwrap_or(usual)
    };
    let drives = matches!(usual, Drive | CarPool | ElectricCar);
    let style = rng.unit();
    let car_roll = rng.unit();
    let baseline_roll = rng.unit();
    Member {
        participant: format!("member-{n:03}"),
        distance_km,
        usual,
        alternative,
        diligence: 0.6 + 0.4 * rng.unit(),
        logs_round_trips: style < 0.62,
        logs_way_home: style < 0.95,
        baseline: (!drives && baseline_roll < 0.12).then_some("car_petrol"),
        passengers: 2 + (rng.next_u64() % 3) as u8,
        car_mode: if car_roll < 0.6 {
            "car"
        } else if car_roll < 0.85 {
            "car_petrol"
        } else {
            "car_hybrid"
        },
    }
}

/// The legs of one way of a commute by `habit`; `pick` varies access legs from day to day.
fn legs(member: &Member, habit: Habit, pick: u64) -> Vec<Leg> {
    let km = member.distance_km;
    let access = round_km(0.3 + (pick % 8) as f64 * 0.1);
    let egress = round_km(0.2 + ((pick >> 8) % 6) as f64 * 0.1);
    match habit {
        Walk => vec![leg("walk", km, None)],
        Bicycle => vec![leg("bicycle", km, None)],
        EBike => vec![leg("e_bike", km, None)],
        Scooter => vec![leg("e_scooter", km, None)],
        Bus if km > 3.0 => vec![leg("walk", access, None), leg("bus", km - access, None)],
        Bus => vec![leg("bus", km, None)],
        Metro if km < 4.0 => vec![leg("bus", km, None)],
        Metro => vec![
            leg("walk", access, None),
            leg("metro", km - access - egress, None),
            leg("walk", egress, None),
        ],
        BikeMetro if km < 6.0 => vec![leg("bicycle", km, None)],
        BikeMetro => {
            let ride = round_km(1.5 + ((pick >> 16) % 10) as f64 * 0.2);
            vec![
                leg("bicycle", ride, None),
                leg("metro", km - ride - egress, None),
                leg("walk", egress, None),
            ]
        }
        Rail if km < 25.0 => vec![leg("metro", km, None)],
        Rail => vec![leg("metro", 8.0, None), leg("rail", km - 8.0, None)],
        Shuttle => vec![leg("coach", km, None)],
        CarPool => vec![leg("car", km, Some(member.passengers))],
        Drive => vec![leg(member.car_mode, km, Some(1))],
        ElectricCar => vec![leg("car_electric", km, Some(1))],
        Taxi => vec![leg("taxi", km, None)],
        Motorcycle => vec![leg("motorcycle", km, Some(1))],
    }
}

fn leg(mode: &'static str, distance_km: f64, passengers: Option<u8>) -> Leg {
    Leg {
        mode,
        distance_km: round_km(distance_km),
        passengers,
    }
}

/// To 100 m, as people report commutes; never below 100 m.
fn round_km(km: f64) -> f64 {
    ((km * 10.0).round() / 10.0).max(0.1)
}

/// SplitMix64: tiny, fast and the same on every platform, which is all a demo needs.
struct Rng(u64);

impl Rng {
    /// A stream of its own per name, so adding an organization changes no other's commutes.
    fn for_name(name: &str) -> Self {
        // FNV-1a of the name.
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        Self(hash ^ 0x2026_0601)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A habit by weight among those that fit the distance.
    fn weighted(&mut self, habits: &[(Habit, u32)], km: f64) -> Option<Habit> {
        let total: u32 = habits
            .iter()
            .filter(|(h, _)| h.fits(km))
            .map(|(_, w)| w)
            .sum();
        let roll = self.next_u64();
        if total == 0 {
            return None;
        }
        let mut target = (roll % u64::from(total)) as u32;
        for (habit, weight) in habits.iter().filter(|(h, _)| h.fits(km)) {
            if target < *weight {
                return Some(*habit);
            }
            target -= weight;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_plan_always_gives_the_same_commutes() {
        let plan = &ORGANIZATIONS[0];
        let first = commutes(plan, STARTS_ON, ENDS_ON);
        let second = commutes(plan, STARTS_ON, ENDS_ON);
        assert_eq!(format!("{first:?}"), format!("{second:?}"));
        assert!(first.len() > 200, "{} commutes", first.len());
    }

    #[test]
    fn every_leg_is_a_plausible_distance() {
        for plan in ORGANIZATIONS {
            for commute in commutes(plan, STARTS_ON, ENDS_ON) {
                for leg in &commute.legs {
                    assert!(
                        leg.distance_km >= 0.1 && leg.distance_km <= 50.0,
                        "{}: {leg:?}",
                        plan.id
                    );
                }
            }
        }
    }

    #[test]
    fn a_shorter_campaign_keeps_only_its_days() {
        let plan = &ORGANIZATIONS[0];
        let last = jiff::civil::date(2026, 6, 7);
        let week = commutes(plan, STARTS_ON, last);
        assert!(week.iter().all(|c| c.date <= last));
        let full = commutes(plan, STARTS_ON, ENDS_ON);
        let first_week: Vec<_> = full.iter().filter(|c| c.date <= last).collect();
        assert_eq!(format!("{week:?}"), format!("{first_week:?}"));
    }
}
