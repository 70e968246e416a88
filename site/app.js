/*
 * Green Commute campaign page. Plain JavaScript, no build step, no third-party code.
 *
 * It reads only the public API, so the same file works on any origin:
 *   <div id="green-commute" data-campaign="beijing-green-week-2026"></div>
 *   <script src="app.js" data-api="https://api.example.org" defer></script>
 * (or set window.GREEN_COMMUTE_API before loading it). Without data-campaign the campaign comes
 * from ?campaign=ID or a /campaigns/ID path, and without either the page lists public campaigns.
 */
(function () {
  'use strict';

  var script = document.currentScript || document.querySelector('script[data-api]');
  var root = document.getElementById('green-commute');
  if (!root) {
    // Embedded without a container: render where the script tag stands.
    root = document.createElement('div');
    root.id = 'green-commute';
    script.parentNode.insertBefore(root, script);
  }
  root.classList.add('gc');
  var standalone = root.hasAttribute('data-standalone');
  var API = String(
    window.GREEN_COMMUTE_API != null ? window.GREEN_COMMUTE_API
      : root.dataset.api != null ? root.dataset.api
      : (script && script.dataset.api) || ''
  ).replace(/\/+$/, '');
  var LANG_KEY = 'green-commute.lang';
  var KINDS = ['enterprise', 'institution', 'social_organization', 'community', 'other'];

  var TEXT = {
    en: {
      brand: 'Green Commute',
      tagline: 'Low-carbon commuting campaigns',
      language: 'Language',
      api_docs: 'API · Swagger UI',
      loading: 'Loading…',
      load_error: 'The figures could not be loaded',
      retry: 'Try again',
      not_found: 'There is no public campaign “{id}”.',
      all_campaigns: 'All campaigns',
      campaigns_title: 'Public campaigns',
      campaigns_intro: 'Organizations log their members’ commutes; everyone sees the CO₂e they saved by walking, cycling, riding transit, sharing cars and working from home.',
      no_campaigns: 'No public campaign yet. Start the service with “serve --demo” for a demo campaign.',
      view_results: 'See the results',
      dates: '{from} – {to}',
      region: 'Region',
      factors: 'Emission factors',
      compared_with: 'Baseline',
      totals: 'Campaign totals',
      t_trips: 'trips logged',
      t_participants: 'participants',
      t_organizations: 'organizations',
      t_saved: 'kg CO₂e saved',
      t_saved_share: '{pct}% less than by {mode}',
      chart_mode: 'Savings by main mode',
      chart_mode_desc: 'kg CO₂e saved; each trip counts under the mode of its longest leg.',
      chart_day: 'Savings by day',
      chart_day_desc: 'kg CO₂e saved each day, all organizations together.',
      show_data: 'Show the numbers',
      no_trips: 'No trips logged yet.',
      col_mode: 'Main mode',
      col_day: 'Day',
      col_trips: 'Trips',
      col_saved: 'Saved (kg)',
      leaderboard: 'Leaderboard',
      kind: 'Kind',
      all_kinds: 'All kinds',
      rank_by: 'Rank by',
      sort_savings: 'Total saved',
      sort_per: 'Saved per participant',
      sort_rate: 'Participation rate',
      sort_regularity: 'Regularity',
      size: 'Size',
      all_sizes: 'All sizes',
      size_band: '{band} members',
      col_rate: 'Participation',
      col_regularity: 'Regularity',
      fair_note: 'Ranked by participation rate (participants ÷ members), so that small and large organizations compare fairly. Regularity is the share of workdays on which participants commuted greenly.',
      col_rank: 'Rank',
      col_org: 'Organization',
      col_participants: 'Participants',
      col_per: 'Per participant (kg)',
      lb_caption: 'Organizations ranked by {sort}',
      lb_empty: 'No organization of this kind takes part.',
      download_csv: 'Download CSV',
      kind_enterprise: 'Enterprise',
      kind_institution: 'Institution',
      kind_social_organization: 'Social organization',
      kind_community: 'Community',
      kind_other: 'Other',
      whatif_title: 'Under another factor set',
      whatif_intro: 'For testers and analysts: the same stored trips recomputed under another factor set, with the same rules and rounding. Nothing stored changes; trips the other set cannot compute are left out of both sides.',
      whatif_set: 'Factor set',
      whatif_run: 'Compare',
      whatif_working: 'Recomputing every trip…',
      whatif_stored: 'As stored ({id} {version})',
      whatif_recomputed: 'Under {id} {version}',
      whatif_delta: 'Difference',
      whatif_kg_saved: 'kg CO₂e saved',
      whatif_by_org: 'By organization',
      whatif_by_mode: 'By main mode',
      col_stored: 'Stored (kg)',
      col_recomputed: 'Recomputed (kg)',
      col_delta: 'Δ (kg)',
      col_mode: 'Main mode',
      whatif_missing: '{n} trips cannot be computed under this set and are left out of both sides:',
      whatif_missing_row: '{reason} ({n} trips)',
      whatif_all_computable: 'Every trip can be computed under this set.',
      calculator: 'Commute calculator',
      calc_intro: 'Estimate one commute with this campaign’s factors and baseline.',
      calc_trip: 'The trip',
      calc_single: 'One mode',
      calc_legs: 'Several legs',
      calc_mode: 'Mode',
      calc_distance: 'Distance (km)',
      calc_passengers: 'People sharing the vehicle',
      calc_round: 'Round trip (there and back)',
      calc_leg: 'Leg {n}',
      calc_add_leg: 'Add a leg',
      calc_remove_leg: 'Remove leg {n}',
      calc_submit: 'Calculate',
      calc_working: 'Calculating…',
      calc_unavailable: 'The calculator needs the campaign’s factor set, which could not be loaded.',
      r_trip: 'This commute',
      r_baseline: 'By {mode}, {km} km',
      r_saving: 'Saving',
      r_more: 'more than the baseline',
      r_legs: 'Each leg, its factor and source',
      col_leg_mode: 'Mode',
      col_distance: 'km',
      col_factor: 'Factor',
      col_co2e: 'CO₂e (g)',
      col_source: 'Source',
      per_passenger_km: 'g / passenger-km',
      per_vehicle_km: 'g / vehicle-km, ÷ {n}',
      r_set: 'Factor set {id} (version {version})',
      r_grid: 'electricity: {region} grid, {g} g CO₂/kWh',
      quality_published: 'published',
      quality_derived: 'derived',
      quality_proxy: 'proxy',
      error_fields: 'Please check:',
      health_title: 'Health: active commuting',
      health_hours: 'hours on foot, by bicycle and by e-bike',
      health_hours_note: 'Walking, cycling and e-bike legs timed at the factor set’s default speeds.',
      health_week: 'active minutes per participant a week',
      health_week_note: 'The WHO recommends 150–300 minutes of moderate activity a week; this counts commutes only.',
      health_explain: 'A habit, not a cure: no health outcome is estimated from a short campaign (WHO HEAT itself warns against it).',
      air_title: 'Cleaner air: exhaust avoided',
      air_nox: 'NOx avoided',
      air_nox_note: 'Nitrogen oxides from exhaust pipes: what the baseline would have emitted minus what the commutes emitted.',
      air_pm25: 'exhaust PM2.5 avoided',
      air_pm25_note: 'Fine particles from exhaust pipes, counted the same way.',
      air_explain: 'Tailpipe only: tyre, brake and road wear, and the power plants behind electric modes, are outside the count.',
      air_incomplete: '{n} trips used a mode this factor set has no exhaust factor for; it counts 0.',
      cob_sources: 'Sources:',
      cob_none: 'This campaign’s factor set carries no co-benefit parameters, so nothing is counted here.',
      r_active: 'Active minutes',
      r_air_saved: 'Exhaust avoided',
      r_air_incomplete: 'some legs have no exhaust factor and count 0',
      minutes_unit: 'min',
      footer: 'Amounts are CO₂-equivalent (CO₂e), computed by the Green Commute API from published emission factors.'
    },
    zh: {
      brand: '绿色出行',
      tagline: '低碳通勤活动',
      language: '语言',
      api_docs: 'API · Swagger UI',
      loading: '加载中…',
      load_error: '数据加载失败',
      retry: '重试',
      not_found: '没有名为“{id}”的公开活动。',
      all_campaigns: '全部活动',
      campaigns_title: '公开活动',
      campaigns_intro: '各单位记录成员的通勤方式，人人可见步行、骑行、公共交通、拼车和居家办公减少的碳排放（CO₂e）。',
      no_campaigns: '暂无公开活动。用 “serve --demo” 启动服务即可体验演示活动。',
      view_results: '查看成果',
      dates: '{from} 至 {to}',
      region: '地区',
      factors: '排放因子',
      compared_with: '基准',
      totals: '活动总计',
      t_trips: '次出行',
      t_participants: '位参与者',
      t_organizations: '个单位',
      t_saved: '千克 CO₂e 减排',
      t_saved_share: '比{mode}少 {pct}%',
      chart_mode: '按主要方式的减排量',
      chart_mode_desc: '减排量（千克 CO₂e），每次出行按其最长一段的方式统计。',
      chart_day: '每日减排量',
      chart_day_desc: '所有单位每天的减排量（千克 CO₂e）。',
      show_data: '查看数据',
      no_trips: '尚无出行记录。',
      col_mode: '主要方式',
      col_day: '日期',
      col_trips: '出行次数',
      col_saved: '减排（千克）',
      leaderboard: '排行榜',
      kind: '类型',
      all_kinds: '全部类型',
      rank_by: '排序',
      sort_savings: '总减排量',
      sort_per: '人均减排量',
      sort_rate: '参与率',
      sort_regularity: '坚持度',
      size: '规模',
      all_sizes: '所有规模',
      size_band: '{band} 人',
      col_rate: '参与率',
      col_regularity: '坚持度',
      fair_note: '按参与率（参与人数 ÷ 单位人数）排序，使大小单位可以公平比较。坚持度为参与者绿色通勤的工作日比例。',
      col_rank: '名次',
      col_org: '单位',
      col_participants: '参与人数',
      col_per: '人均（千克）',
      lb_caption: '各单位按{sort}排名',
      lb_empty: '没有该类型的单位参加。',
      download_csv: '下载 CSV',
      kind_enterprise: '企业',
      kind_institution: '事业单位/机关',
      kind_social_organization: '社会组织',
      kind_community: '社区',
      kind_other: '其他',
      whatif_title: '换一套排放因子看看',
      whatif_intro: '供测试与分析使用：已存的行程按另一套排放因子、以同样的规则和取整重新计算。已存结果不变；另一套因子无法计算的行程在两边都不计入。',
      whatif_set: '排放因子集',
      whatif_run: '比较',
      whatif_working: '正在重新计算每一次行程…',
      whatif_stored: '已存结果（{id} {version}）',
      whatif_recomputed: '按 {id} {version}',
      whatif_delta: '差值',
      whatif_kg_saved: '千克 CO₂e 减排',
      whatif_by_org: '按单位',
      whatif_by_mode: '按主要出行方式',
      col_stored: '已存（千克）',
      col_recomputed: '重新计算（千克）',
      col_delta: '差值（千克）',
      col_mode: '主要方式',
      whatif_missing: '有 {n} 次行程无法按此因子集计算，两边都不计入：',
      whatif_missing_row: '{reason}（{n} 次）',
      whatif_all_computable: '每一次行程都能按此因子集计算。',
      calculator: '通勤计算器',
      calc_intro: '按本活动的排放因子和基准，估算一次通勤的排放与减排。',
      calc_trip: '行程',
      calc_single: '单一方式',
      calc_legs: '多段行程',
      calc_mode: '方式',
      calc_distance: '距离（公里）',
      calc_passengers: '同车人数',
      calc_round: '往返',
      calc_leg: '第 {n} 段',
      calc_add_leg: '添加一段',
      calc_remove_leg: '删除第 {n} 段',
      calc_submit: '计算',
      calc_working: '计算中…',
      calc_unavailable: '无法加载本活动的排放因子，计算器暂不可用。',
      r_trip: '本次通勤',
      r_baseline: '{mode}，{km} 公里',
      r_saving: '减排',
      r_more: '高于基准',
      r_legs: '各段排放因子及来源',
      col_leg_mode: '方式',
      col_distance: '公里',
      col_factor: '因子',
      col_co2e: 'CO₂e（克）',
      col_source: '来源',
      per_passenger_km: '克/人公里',
      per_vehicle_km: '克/车公里，÷ {n}',
      r_set: '排放因子集 {id}（版本 {version}）',
      r_grid: '电力：{region} 电网，{g} 克 CO₂/千瓦时',
      quality_published: '公开数据',
      quality_derived: '推算',
      quality_proxy: '替代值',
      error_fields: '请检查：',
      health_title: '健康：主动出行',
      health_hours: '小时步行、骑行和电动自行车',
      health_hours_note: '按排放因子集给出的默认速度，计算所记录通勤中步行、骑行和电动自行车路段的时长。',
      health_week: '人均每周主动出行分钟数',
      health_week_note: '世界卫生组织建议每周进行 150–300 分钟中等强度身体活动；此处只计通勤。',
      health_explain: '这是一种习惯，而非疗效：不据短期活动估算健康结果（世界卫生组织 HEAT 工具本身即提示不可如此使用）。',
      air_title: '清洁空气：减少的尾气排放',
      air_nox: '减少氮氧化物（NOx）',
      air_nox_note: '机动车排气管排放的氮氧化物：基准方式本应排放的量减去通勤实际排放的量。',
      air_pm25: '减少尾气 PM2.5',
      air_pm25_note: '排气管排放的细颗粒物，计算方法相同。',
      air_explain: '仅计尾气：轮胎、刹车和路面磨损，以及电动出行方式背后的发电厂排放，不在统计范围内。',
      air_incomplete: '有 {n} 次出行使用了本因子集没有尾气因子的方式，按 0 计。',
      cob_sources: '来源：',
      cob_none: '本活动的排放因子集不含协同效益参数，此处不作统计。',
      r_active: '主动出行时长',
      r_air_saved: '减少尾气',
      r_air_incomplete: '部分路段没有尾气因子，按 0 计',
      minutes_unit: '分钟',
      footer: '数值均为二氧化碳当量（CO₂e），由 Green Commute API 依据公开的排放因子计算。'
    }
  };

  var state = {
    lang: initialLanguage(),
    campaignId: campaignId(),
    view: 'loading',
    error: null,
    campaigns: null,
    summaries: {},
    campaign: null,
    set: null,
    summary: null,
    board: null,
    boardKind: '',
    boardSize: '',
    boardSort: 'savings',
    boardSortChosen: false,
    days: null,
    calc: {
      multi: true,
      mode: 'metro',
      distance: '10',
      passengers: '1',
      legs: [{ mode: 'bicycle', distance: '2', passengers: '1' }, { mode: 'metro', distance: '9', passengers: '1' }],
      round: false
    },
    calcResult: null,
    calcError: null,
    calcBusy: false,
    // What-if: closed until asked for; the sets are loaded when it is first opened.
    whatIf: { open: false, sets: null, chosen: '', result: null, error: null, busy: false }
  };

  // ---- small helpers -------------------------------------------------------------------------

  function initialLanguage() {
    var asked = new URLSearchParams(location.search).get('lang');
    if (asked === 'en' || asked === 'zh') return asked;
    try {
      var stored = localStorage.getItem(LANG_KEY);
      if (stored === 'en' || stored === 'zh') return stored;
    } catch (e) { /* storage may be disabled: fall back to the browser's language */ }
    var browser = (navigator.languages && navigator.languages[0]) || navigator.language || '';
    return /^zh\b/i.test(browser) ? 'zh' : 'en';
  }

  function campaignId() {
    if (root.dataset.campaign) return root.dataset.campaign;
    var asked = new URLSearchParams(location.search).get('campaign');
    if (asked) return asked;
    var match = location.pathname.match(/\/campaigns\/([^/]+)\/?$/);
    return match ? decodeURIComponent(match[1]) : null;
  }

  function campaignHref(id) {
    var pattern = root.dataset.campaignLink;
    if (pattern) return pattern.replace('{id}', encodeURIComponent(id));
    return standalone ? '/campaigns/' + encodeURIComponent(id) : '?campaign=' + encodeURIComponent(id);
  }

  function homeHref() {
    return standalone ? '/' : location.pathname;
  }

  function t(key, values) {
    var text = TEXT[state.lang][key];
    if (text == null) text = TEXT.en[key] != null ? TEXT.en[key] : key;
    return text.replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] != null ? values[name] : '';
    });
  }

  function locale() {
    return state.lang === 'zh' ? 'zh-CN' : 'en-GB';
  }

  function number(value, digits) {
    return new Intl.NumberFormat(locale(), {
      minimumFractionDigits: digits || 0,
      maximumFractionDigits: digits || 0
    }).format(value);
  }

  /** Kilograms from grams: whole kg from 100 kg on, one decimal below. */
  function kg(grams) {
    var value = grams / 1000;
    return number(value, Math.abs(value) >= 100 ? 0 : 1);
  }

  /** A mass given in milligrams, in mg, g or kg as its size calls for. */
  function mass(mg) {
    var size = Math.abs(mg);
    if (size >= 1e6) return number(mg / 1e6, size >= 1e8 ? 0 : 1) + ' kg';
    if (size >= 1e3) return number(mg / 1e3, size >= 1e5 ? 0 : 1) + ' g';
    return number(mg) + ' mg';
  }

  function parseDay(text) {
    var p = text.split('-');
    return new Date(Date.UTC(+p[0], +p[1] - 1, +p[2]));
  }

  function dayText(text, options) {
    return new Intl.DateTimeFormat(locale(), Object.assign({ timeZone: 'UTC' }, options)).format(parseDay(text));
  }

  function longDay(text) {
    return dayText(text, { year: 'numeric', month: 'long', day: 'numeric' });
  }

  function modeLabel(mode) {
    var found = state.set && state.set.modes.find(function (m) { return m.mode === mode; });
    if (found && found.label) return found.label[state.lang] || found.label.en || mode;
    return mode;
  }

  function modeFactor(mode) {
    return state.set && state.set.modes.find(function (m) { return m.mode === mode; });
  }

  function isPerVehicle(mode) {
    var found = modeFactor(mode);
    return !!found && found.basis === 'vehicle_km';
  }

  /** Colour family of a mode, for charts. */
  function modeClass(mode) {
    if (mode === 'walk' || mode === 'bicycle') return 'active';
    if (mode === 'e_bike' || mode === 'e_scooter') return 'light';
    if (['bus', 'coach', 'metro', 'light_rail', 'rail'].indexOf(mode) >= 0) return 'transit';
    if (mode === 'telework') return 'home';
    return 'car';
  }

  /** Builds an HTML element: h('p', { class: 'x', onclick: f }, 'text', child, [more]). */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    setAttributes(el, attrs);
    appendChildren(el, Array.prototype.slice.call(arguments, 2));
    return el;
  }

  /** Builds an SVG element the same way. */
  function s(tag, attrs) {
    var el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    setAttributes(el, attrs);
    appendChildren(el, Array.prototype.slice.call(arguments, 2));
    return el;
  }

  function setAttributes(el, attrs) {
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value == null || value === false) return;
      if (name.slice(0, 2) === 'on') el.addEventListener(name.slice(2), value);
      else if (name === 'value' && 'value' in el && el.namespaceURI !== 'http://www.w3.org/2000/svg') el.value = value;
      else el.setAttribute(name, value === true ? '' : String(value));
    });
  }

  function appendChildren(el, children) {
    children.forEach(function (child) {
      if (child == null || child === false) return;
      if (Array.isArray(child)) appendChildren(el, child);
      else el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    });
  }

  var nextId = 0;
  function uid(name) {
    nextId += 1;
    return 'gc-' + name + '-' + nextId;
  }

  /** Calls the API; rejects with the problem's detail on any error status. */
  function api(path, body) {
    var init = { credentials: 'omit', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(API + path, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!response.ok) {
          var error = new Error((data && data.detail) || response.status + ' ' + response.statusText);
          error.status = response.status;
          error.problem = data;
          throw error;
        }
        return data;
      });
    });
  }

  function path(id) {
    return '/v1/campaigns/' + encodeURIComponent(id);
  }

  // ---- loading -------------------------------------------------------------------------------

  function start() {
    state.view = 'loading';
    state.error = null;
    render();
    if (state.campaignId) loadCampaign(state.campaignId);
    else loadCampaigns();
  }

  function fail(error) {
    state.view = 'error';
    state.error = error;
    render();
  }

  function loadCampaigns() {
    api('/v1/campaigns').then(function (list) {
      state.campaigns = list.campaigns;
      state.view = 'list';
      render();
      return Promise.all(list.campaigns.slice(0, 24).map(function (c) {
        return api(path(c.id) + '/summary').then(function (summary) {
          state.summaries[c.id] = summary;
        }, function () { /* a card without figures is still useful */ });
      })).then(render);
    }).catch(fail);
  }

  function loadCampaign(id) {
    Promise.all([api(path(id)), api(path(id) + '/summary'), api(path(id) + '/leaderboard')])
      .then(function (results) {
        state.campaign = results[0];
        state.summary = results[1];
        state.board = results[2].entries;
        state.fullBoard = results[2].entries;
        // With every organization's size known, the fair view comes first.
        var sized = state.fullBoard.length > 0 && state.fullBoard.every(function (e) { return e.headcount != null; });
        if (sized && !state.boardSortChosen) {
          state.boardSort = 'participation_rate';
          state.board = null;
        }
        return api('/v1/factor-sets/' + encodeURIComponent(state.campaign.factor_set.id))
          .then(function (set) { state.set = set; }, function () { state.set = null; });
      })
      .then(function () {
        state.view = 'campaign';
        render();
        if (!state.board) loadBoard();
        loadDays();
        if (state.set) calculate();
        // ?whatif=ID opens the comparison with that set: a link an analyst can share.
        var asked = new URLSearchParams(location.search).get('whatif');
        if (asked) {
          state.whatIf.open = true;
          state.whatIf.chosen = asked;
          render();
          loadWhatIfSets();
          runWhatIf();
        }
      })
      .catch(fail);
  }

  /** A source's title from the factor set (estimates name sources by id), else its id. */
  function sourceTitle(id) {
    var sources = (state.set && state.set.sources) || [];
    for (var i = 0; i < sources.length; i++) {
      if (sources[i].id === id) return sources[i].title;
    }
    return id;
  }

  /** Savings by day: the sum of every organization's `by_day`, from public summaries. */
  function loadDays() {
    var id = state.campaign.id;
    var active = state.fullBoard.filter(function (e) { return e.trips > 0; });
    Promise.all(active.map(function (entry) {
      return api(path(id) + '/organizations/' + encodeURIComponent(entry.organization.id) + '/summary');
    })).then(function (summaries) {
      var byDate = {};
      summaries.forEach(function (summary) {
        summary.by_day.forEach(function (day) {
          var sum = byDate[day.date] || (byDate[day.date] = { date: day.date, trips: 0, savings_g: 0 });
          sum.trips += day.trips;
          sum.savings_g += day.savings_g;
        });
      });
      state.days = fillDays(byDate);
      renderDayChart();
    }).catch(function (error) {
      state.days = { error: error };
      renderDayChart();
    });
  }

  /** Every day of the campaign (or of the data, for very long campaigns), zero where none. */
  function fillDays(byDate) {
    var dates = Object.keys(byDate).sort();
    var first = state.campaign.starts_on;
    var last = state.campaign.ends_on;
    if ((parseDay(last) - parseDay(first)) / 864e5 > 92 && dates.length) {
      first = dates[0];
      last = dates[dates.length - 1];
    }
    var out = [];
    for (var d = parseDay(first); d <= parseDay(last); d = new Date(d.getTime() + 864e5)) {
      var key = d.toISOString().slice(0, 10);
      out.push(byDate[key] || { date: key, trips: 0, savings_g: 0 });
    }
    return out;
  }

  function boardQuery() {
    return '?sort=' + state.boardSort + (state.boardKind ? '&kind=' + state.boardKind : '') +
      (state.boardSize ? '&size=' + encodeURIComponent(state.boardSize) : '');
  }

  function loadBoard() {
    var query = boardQuery();
    api(path(state.campaign.id) + '/leaderboard' + query).then(function (board) {
      state.board = board.entries;
      renderBoard();
    }, function (error) {
      state.board = { error: error };
      renderBoard();
    });
  }

  // ---- page ----------------------------------------------------------------------------------

  function render() {
    root.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
    if (standalone) document.documentElement.lang = root.lang;
    root.setAttribute('aria-busy', state.view === 'loading' ? 'true' : 'false');
    root.dataset.state = state.view;
    var focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.id : null;
    var body;
    if (state.view === 'loading') body = h('p', { class: 'gc-notice', role: 'status' }, t('loading'));
    else if (state.view === 'error') body = errorView();
    else if (state.view === 'list') body = listView();
    else body = campaignView();
    root.replaceChildren(topBar(), h(standalone ? 'main' : 'div', { class: 'gc-body' }, body), footer());
    if (state.view === 'campaign') {
      renderCharts();
      renderBoard();
      renderWhatIf();
      renderCalcResult();
    }
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    if (standalone) {
      document.title = state.campaign && state.view === 'campaign'
        ? state.campaign.name + ' · ' + t('brand')
        : t('brand') + ' · Green Commute';
    }
  }

  function topBar() {
    var group = uid('lang');
    function choice(lang, label) {
      return h('button', {
        type: 'button', id: 'gc-lang-' + lang, class: 'gc-lang', lang: lang === 'zh' ? 'zh-CN' : 'en',
        'aria-pressed': state.lang === lang ? 'true' : 'false',
        onclick: function () { setLanguage(lang); }
      }, label);
    }
    return h('header', { class: 'gc-bar' },
      h('div', { class: 'gc-wrap gc-bar-inner' },
        h('a', { class: 'gc-brand', href: homeHref() },
          h('span', { class: 'gc-logo', 'aria-hidden': 'true' }),
          h('span', null, h('strong', null, t('brand')), h('small', null, t('tagline')))),
        h('div', { class: 'gc-bar-tools' },
          h('a', { class: 'gc-bar-link', href: API + '/swagger-ui/' }, t('api_docs')),
          h('div', { class: 'gc-langs', role: 'group', 'aria-labelledby': group },
            h('span', { id: group, class: 'gc-sr' }, t('language')),
            choice('zh', '中文'), choice('en', 'EN')))));
  }

  function setLanguage(lang) {
    if (lang === state.lang) return;
    state.lang = lang;
    try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* the choice lasts for this visit */ }
    render();
  }

  function footer() {
    return h('footer', { class: 'gc-footer' }, h('div', { class: 'gc-wrap' }, t('footer')));
  }

  function errorView() {
    var notFound = state.error && state.error.status === 404 && state.campaignId;
    return h('div', { class: 'gc-wrap' },
      h('div', { class: 'gc-card gc-alert', role: 'alert' },
        h('h1', null, notFound ? t('not_found', { id: state.campaignId }) : t('load_error')),
        notFound ? null : h('p', null, state.error ? state.error.message : ''),
        h('p', null,
          notFound ? h('a', { href: homeHref() }, t('all_campaigns'))
            : h('button', { type: 'button', class: 'gc-button', onclick: start }, t('retry')))));
  }

  // ---- campaign list -------------------------------------------------------------------------

  function listView() {
    var cards = state.campaigns.map(function (c) {
      var summary = state.summaries[c.id];
      return h('li', { class: 'gc-card gc-campaign-card' },
        h('h2', null, h('a', { href: campaignHref(c.id) }, c.name)),
        h('p', { class: 'gc-meta' }, t('dates', { from: longDay(c.starts_on), to: longDay(c.ends_on) }),
          c.region ? ' · ' + c.region : ''),
        c.description ? h('p', { class: 'gc-clamp' }, c.description) : null,
        summary ? h('p', { class: 'gc-card-figures' },
          h('span', null, h('strong', null, kg(summary.savings_g)), ' ', t('t_saved')),
          h('span', null, h('strong', null, number(summary.participants)), ' ', t('t_participants')),
          h('span', null, h('strong', null, number(summary.trips)), ' ', t('t_trips'))) : null,
        h('a', { class: 'gc-button', href: campaignHref(c.id), 'aria-label': t('view_results') + ': ' + c.name },
          t('view_results'), ' →'));
    });
    return h('div', { class: 'gc-wrap' },
      h('section', { class: 'gc-hero gc-hero-home' },
        h('h1', null, t('campaigns_title')),
        h('p', { class: 'gc-lead' }, t('campaigns_intro'))),
      cards.length ? h('ul', { class: 'gc-campaigns', id: 'gc-campaigns' }, cards)
        : h('p', { class: 'gc-card gc-notice' }, t('no_campaigns')));
  }

  // ---- one campaign --------------------------------------------------------------------------

  function campaignView() {
    var c = state.campaign;
    return h('div', { class: 'gc-wrap' },
      // A page made for one campaign (data-campaign) has no list to go back to.
      root.dataset.campaign ? null : h('nav', { class: 'gc-crumbs', 'aria-label': t('all_campaigns') },
        h('a', { href: homeHref() }, '← ', t('all_campaigns'))),
      h('section', { class: 'gc-hero', 'aria-labelledby': 'gc-title' },
        h('h1', { id: 'gc-title' }, c.name),
        h('p', { class: 'gc-meta' },
          h('span', null, t('dates', { from: longDay(c.starts_on), to: longDay(c.ends_on) })),
          c.region ? h('span', null, t('region'), ': ', c.region) : null,
          h('span', null, t('factors'), ': ', c.factor_set.id),
          h('span', null, t('compared_with'), ': ', modeLabel(c.baseline_mode))),
        c.description ? h('p', { class: 'gc-lead' }, c.description) : null),
      totalsView(),
      coBenefitsView(),
      h('div', { class: 'gc-grid-2' },
        chartCard('mode', t('chart_mode'), t('chart_mode_desc')),
        chartCard('day', t('chart_day'), t('chart_day_desc'))),
      boardView(),
      whatIfView(),
      calculatorView());
  }

  /** One figure: its value (raw in data-value, for scripts), its label and a note. */
  function stat(id, value, label, note) {
    return h('div', { class: 'gc-stat', id: id, 'data-value': value.raw },
      h('dt', null, label),
      h('dd', null, value.text),
      note ? h('dd', { class: 'gc-stat-note' }, note) : null);
  }

  function totalsView() {
    var sum = state.summary;
    var share = sum.baseline_co2e_g > 0 ? Math.round(100 * sum.savings_g / sum.baseline_co2e_g) : null;
    return h('section', { class: 'gc-totals', 'aria-labelledby': 'gc-totals-title' },
      h('h2', { id: 'gc-totals-title', class: 'gc-sr' }, t('totals')),
      h('dl', { class: 'gc-stats', id: 'gc-totals' },
        stat('gc-total-saved', { raw: sum.savings_g, text: kg(sum.savings_g) }, t('t_saved'),
          share != null ? t('t_saved_share', { pct: share, mode: modeLabel(state.campaign.baseline_mode) }) : null),
        stat('gc-total-trips', { raw: sum.trips, text: number(sum.trips) }, t('t_trips')),
        stat('gc-total-participants', { raw: sum.participants, text: number(sum.participants) }, t('t_participants')),
        stat('gc-total-organizations', { raw: sum.organizations, text: number(sum.organizations) }, t('t_organizations'))));
  }

  /** The sources the set cites for its `active` or `air` values (zero-by-convention rows left out). */
  function coBenefitSources(kind) {
    var ids = [];
    ((state.set && state.set.modes) || []).forEach(function (m) {
      var block = m[kind];
      if (!block || (kind === 'air' && !(block.nox_mg_per_km > 0 || block.pm25_mg_per_km > 0))) return;
      if (ids.indexOf(block.source) < 0) ids.push(block.source);
    });
    return ids;
  }

  function sourceList(id, ids) {
    var sources = (state.set && state.set.sources) || [];
    var links = ids.map(function (sourceId) {
      var found = sources.find(function (s) { return s.id === sourceId; });
      if (!found) return h('span', null, sourceId);
      var text = found.publisher + ', ' + found.year;
      return found.url
        ? h('a', { href: found.url, title: found.title, rel: 'noopener', target: '_blank' }, text)
        : h('span', { title: found.title }, text);
    });
    var items = [];
    links.forEach(function (link, i) { if (i) items.push('; '); items.push(link); });
    return h('p', { class: 'gc-help gc-sources', id: id }, t('cob_sources'), ' ', items);
  }

  /** The health and clean-air panels: the campaign's co-benefits, each figure explained. */
  function coBenefitsView() {
    var sum = state.summary;
    var activeSources = coBenefitSources('active');
    var airSources = coBenefitSources('air');
    var none = !activeSources.length && !airSources.length;
    var minutes = sum.active_minutes || 0;
    var saved = sum.air_saved || { nox_mg: 0, pm25_mg: 0 };
    var health = h('section', { class: 'gc-card gc-panel', id: 'gc-health', 'aria-labelledby': 'gc-health-title' },
      h('h2', { id: 'gc-health-title' }, t('health_title')),
      none ? h('p', { class: 'gc-notice' }, t('cob_none')) : [
        h('dl', { class: 'gc-stats gc-stats-2' },
          stat('gc-health-hours', { raw: minutes, text: number(minutes / 60, minutes >= 6000 ? 0 : 1) },
            t('health_hours'), t('health_hours_note')),
          stat('gc-health-week', {
            raw: sum.active_minutes_per_participant_week,
            text: number(sum.active_minutes_per_participant_week || 0, 1)
          }, t('health_week'), t('health_week_note'))),
        h('p', { class: 'gc-help', id: 'gc-health-explain' }, t('health_explain')),
        sourceList('gc-health-sources', activeSources)
      ]);
    var air = h('section', { class: 'gc-card gc-panel', id: 'gc-air', 'aria-labelledby': 'gc-air-title' },
      h('h2', { id: 'gc-air-title' }, t('air_title')),
      none ? h('p', { class: 'gc-notice' }, t('cob_none')) : [
        h('dl', { class: 'gc-stats gc-stats-2' },
          stat('gc-air-nox', { raw: saved.nox_mg, text: mass(saved.nox_mg) }, t('air_nox'), t('air_nox_note')),
          stat('gc-air-pm25', { raw: saved.pm25_mg, text: mass(saved.pm25_mg) }, t('air_pm25'), t('air_pm25_note'))),
        h('p', { class: 'gc-help', id: 'gc-air-explain' }, t('air_explain'),
          sum.air_incomplete_trips ? [' ', t('air_incomplete', { n: number(sum.air_incomplete_trips) })] : null),
        sourceList('gc-air-sources', airSources)
      ]);
    return h('div', { class: 'gc-grid-2 gc-cobenefits', id: 'gc-cobenefits' }, health, air);
  }

  function chartCard(name, title, description) {
    var titleId = 'gc-chart-' + name + '-title';
    return h('section', { class: 'gc-card gc-chart-card', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      h('p', { class: 'gc-help', id: 'gc-chart-' + name + '-desc' }, description),
      h('div', { class: 'gc-chart', id: 'gc-chart-' + name }),
      h('details', { class: 'gc-data' },
        h('summary', null, t('show_data')),
        h('div', { id: 'gc-chart-' + name + '-table' })));
  }

  // ---- charts --------------------------------------------------------------------------------

  function renderCharts() {
    renderModeChart();
    renderDayChart();
  }

  function chartWidth(container) {
    return Math.max(280, Math.floor(container.clientWidth || 560));
  }

  /** Round tick steps for an axis from 0 to `max`. */
  function ticks(max, count) {
    if (max <= 0) return [0];
    var raw = max / count;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 2.5, 5, 10].map(function (m) { return m * power; })
      .find(function (candidate) { return candidate >= raw; });
    var out = [];
    for (var v = 0; v <= max + step * 0.001; v += step) out.push(v);
    if (out[out.length - 1] < max) out.push(out[out.length - 1] + step);
    return out;
  }

  /** The label, shortened with an ellipsis to about `pixels` wide at the charts' 12px type. */
  function fitLabel(text, pixels) {
    var width = 0;
    for (var i = 0; i < text.length; i += 1) {
      width += /[\u2e80-\uffff]/.test(text[i]) ? 12 : 6.8;
      if (width > pixels) return text.slice(0, Math.max(1, i - 1)) + '…';
    }
    return text;
  }

  function svgRoot(name, width, height, title) {
    return s('svg', {
      width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img',
      'aria-labelledby': 'gc-chart-' + name + '-title gc-chart-' + name + '-desc',
      class: 'gc-svg', id: 'gc-svg-' + name, focusable: 'false'
    }, s('title', null, title));
  }

  function renderModeChart() {
    var container = document.getElementById('gc-chart-mode');
    var tableBox = document.getElementById('gc-chart-mode-table');
    if (!container) return;
    var rows = state.summary.by_mode.slice().sort(function (a, b) { return b.savings_g - a.savings_g; });
    if (!rows.length) {
      container.replaceChildren(h('p', { class: 'gc-notice' }, t('no_trips')));
      tableBox.replaceChildren();
      return;
    }
    var width = chartWidth(container);
    var labelWidth = Math.min(170, Math.round(width * 0.34));
    var valueWidth = 64;
    var rowHeight = 28;
    var height = rows.length * rowHeight + 8;
    var low = Math.min(0, Math.min.apply(null, rows.map(function (r) { return r.savings_g; })));
    var high = Math.max(0, Math.max.apply(null, rows.map(function (r) { return r.savings_g; })));
    var span = high - low || 1;
    var plot = width - labelWidth - valueWidth - 8;
    var x = function (g) { return labelWidth + 8 + (g - low) / span * plot; };
    var svg = svgRoot('mode', width, height, t('chart_mode'));
    rows.forEach(function (row, i) {
      var y = i * rowHeight + 4;
      var x0 = x(Math.min(0, row.savings_g));
      var x1 = x(Math.max(0, row.savings_g));
      svg.appendChild(s('g', { class: 'gc-bar gc-mode-' + modeClass(row.mode) },
        s('title', null, modeLabel(row.mode) + ': ' + kg(row.savings_g) + ' kg, ' + number(row.trips) + ' ' + t('t_trips')),
        s('text', { x: labelWidth, y: y + rowHeight / 2, class: 'gc-axis-label', 'text-anchor': 'end', 'dominant-baseline': 'middle' },
          fitLabel(modeLabel(row.mode), labelWidth - 4)),
        s('rect', { x: x0, y: y + 5, width: Math.max(1, x1 - x0), height: rowHeight - 10, rx: 3 }),
        s('text', { x: x1 + 6, y: y + rowHeight / 2, class: 'gc-value', 'dominant-baseline': 'middle' }, kg(row.savings_g))));
    });
    if (low < 0) {
      svg.appendChild(s('line', { x1: x(0), x2: x(0), y1: 0, y2: height, class: 'gc-zero' }));
    }
    container.replaceChildren(svg);
    tableBox.replaceChildren(dataTable([t('col_mode'), t('col_trips'), t('col_saved')], rows.map(function (r) {
      return [modeLabel(r.mode), number(r.trips), kg(r.savings_g)];
    })));
  }

  function renderDayChart() {
    var container = document.getElementById('gc-chart-day');
    var tableBox = document.getElementById('gc-chart-day-table');
    if (!container) return;
    if (!state.days) {
      container.replaceChildren(h('p', { class: 'gc-notice', role: 'status' }, t('loading')));
      return;
    }
    if (state.days.error) {
      container.replaceChildren(h('p', { class: 'gc-notice' }, t('load_error'), ': ', state.days.error.message));
      return;
    }
    var days = state.days;
    if (!days.some(function (d) { return d.trips > 0; })) {
      container.replaceChildren(h('p', { class: 'gc-notice' }, t('no_trips')));
      tableBox.replaceChildren();
      return;
    }
    var width = chartWidth(container);
    // Side by side with the mode chart, match its height so the two cards line up.
    var besideModes = container.clientWidth < root.clientWidth * 0.6;
    var height = besideModes ? Math.max(230, state.summary.by_mode.length * 28 + 8) : 230;
    var left = 44;
    var bottom = 40;
    var top = 10;
    var plotHeight = height - top - bottom;
    var high = Math.max.apply(null, days.map(function (d) { return d.savings_g; }).concat([1]));
    var low = Math.min.apply(null, days.map(function (d) { return d.savings_g; }).concat([0]));
    var axis = ticks(high / 1000, 4).map(function (v) { return v * 1000; });
    var top_g = axis[axis.length - 1];
    var y = function (g) { return top + (top_g - g) / (top_g - low || 1) * plotHeight; };
    var slot = (width - left - 4) / days.length;
    var barWidth = Math.max(2, Math.min(34, slot * 0.68));
    var labelEvery = Math.ceil((state.lang === 'zh' ? 30 : 20) / slot);
    var svg = svgRoot('day', width, height, t('chart_day'));
    axis.forEach(function (g) {
      svg.appendChild(s('line', { x1: left, x2: width, y1: y(g), y2: y(g), class: g === 0 ? 'gc-zero' : 'gc-grid' }));
      svg.appendChild(s('text', { x: left - 6, y: y(g), class: 'gc-axis-label', 'text-anchor': 'end', 'dominant-baseline': 'middle' },
        number(g / 1000)));
    });
    days.forEach(function (day, i) {
      var weekday = parseDay(day.date).getUTCDay();
      var weekend = weekday === 0 || weekday === 6;
      var cx = left + slot * (i + 0.5);
      var y0 = y(Math.max(0, day.savings_g));
      var y1 = y(Math.min(0, day.savings_g));
      svg.appendChild(s('g', { class: 'gc-column' + (weekend ? ' gc-weekend' : '') },
        s('title', null, longDay(day.date) + ': ' + kg(day.savings_g) + ' kg, ' + number(day.trips) + ' ' + t('t_trips')),
        s('rect', { x: cx - barWidth / 2, y: y0, width: barWidth, height: Math.max(day.savings_g ? 1 : 0, y1 - y0), rx: 2 }),
        i % labelEvery === 0 ? s('text', { x: cx, y: height - bottom + 16, class: 'gc-axis-label', 'text-anchor': 'middle' },
          dayText(day.date, { day: 'numeric' })) : null,
        i % labelEvery === 0 ? s('text', { x: cx, y: height - bottom + 31, class: 'gc-axis-label gc-axis-minor', 'text-anchor': 'middle' },
          dayText(day.date, { weekday: 'narrow' })) : null));
    });
    svg.appendChild(s('text', { x: 2, y: height - 4, class: 'gc-axis-label gc-axis-minor' },
      dayText(days[0].date, { month: 'short' })));
    container.replaceChildren(svg);
    tableBox.replaceChildren(dataTable([t('col_day'), t('col_trips'), t('col_saved')], days.map(function (d) {
      return [longDay(d.date), number(d.trips), kg(d.savings_g)];
    })));
  }

  function dataTable(headings, rows) {
    return h('table', { class: 'gc-table gc-table-compact' },
      h('thead', null, h('tr', null, headings.map(function (text, i) {
        return h('th', { scope: 'col', class: i ? 'gc-num' : null }, text);
      }))),
      h('tbody', null, rows.map(function (cells) {
        return h('tr', null, cells.map(function (text, i) {
          return i ? h('td', { class: 'gc-num' }, text) : h('th', { scope: 'row' }, text);
        }));
      })));
  }

  // ---- leaderboard ---------------------------------------------------------------------------

  function boardView() {
    var kindId = uid('kind');
    var sizeId = uid('size');
    var sortId = uid('sort');
    var sorts = [
      ['savings', 'sort_savings'], ['savings_per_participant', 'sort_per'],
      ['participation_rate', 'sort_rate'], ['regularity', 'sort_regularity']
    ];
    var choose = function (apply) {
      return function (e) { apply(e.target.value); loadBoard(); updateCsvLink(); };
    };
    return h('section', { class: 'gc-card', 'aria-labelledby': 'gc-board-title' },
      h('div', { class: 'gc-card-head' },
        h('h2', { id: 'gc-board-title' }, t('leaderboard')),
        h('div', { class: 'gc-controls' },
          h('label', { for: kindId }, t('kind')),
          h('select', { id: kindId, onchange: choose(function (v) { state.boardKind = v; }) },
            h('option', { value: '' }, t('all_kinds')), KINDS.map(function (kind) {
              return h('option', { value: kind, selected: state.boardKind === kind }, t('kind_' + kind));
            })),
          h('label', { for: sizeId }, t('size')),
          h('select', { id: sizeId, onchange: choose(function (v) { state.boardSize = v; }) },
            h('option', { value: '' }, t('all_sizes')), ['1-49', '50-249', '250-999', '1000+'].map(function (band) {
              return h('option', { value: band, selected: state.boardSize === band }, t('size_band', { band: band }));
            })),
          h('label', { for: sortId }, t('rank_by')),
          h('select', {
            id: sortId, onchange: choose(function (v) { state.boardSort = v; state.boardSortChosen = true; })
          }, sorts.map(function (s) {
            return h('option', { value: s[0], selected: state.boardSort === s[0] }, t(s[1]));
          })),
          h('a', { class: 'gc-link-button', id: 'gc-board-csv', href: csvHref(), download: '' }, t('download_csv')))),
      state.boardSort === 'participation_rate' ? h('p', { class: 'gc-help', id: 'gc-fair-note' }, t('fair_note')) : null,
      h('div', { class: 'gc-table-scroll', id: 'gc-board' }));
  }

  function csvHref() {
    return API + path(state.campaign.id) + '/leaderboard.csv' + boardQuery();
  }

  function updateCsvLink() {
    var link = document.getElementById('gc-board-csv');
    if (link) link.href = csvHref();
  }

  function percent(ratio) {
    return ratio == null ? '–' : number(ratio * 100, 1) + '%';
  }

  function renderBoard() {
    var box = document.getElementById('gc-board');
    if (!box) return;
    if (state.board && state.board.error) {
      box.replaceChildren(h('p', { class: 'gc-notice', role: 'alert' }, t('load_error'), ': ', state.board.error.message));
      return;
    }
    var entries = state.board || [];
    if (!entries.length) {
      box.replaceChildren(h('p', { class: 'gc-notice' }, t('lb_empty')));
      return;
    }
    var sortKey = state.boardSort;
    var perParticipant = sortKey === 'savings_per_participant';
    var key = { savings: 'savings_g', savings_per_participant: 'savings_per_participant_g',
      participation_rate: 'participation_rate', regularity: 'regularity' }[sortKey] || 'savings_g';
    var best = Math.max.apply(null, entries.map(function (e) { return e[key] || 0; }).concat([key.slice(-2) === '_g' ? 1 : 1e-9]));
    var sortLabel = { savings: 'sort_savings', savings_per_participant: 'sort_per',
      participation_rate: 'sort_rate', regularity: 'sort_regularity' }[sortKey] || 'sort_savings';
    function heading(text, sorted, numeric, extra) {
      var classes = [numeric ? 'gc-num' : '', sorted ? 'gc-sorted' : '', extra || ''].join(' ').trim();
      return h('th', { scope: 'col', class: classes || null, 'aria-sort': sorted ? 'descending' : null }, text);
    }
    var table = h('table', { class: 'gc-table', id: 'gc-leaderboard' },
      h('caption', { class: 'gc-sr' }, t('lb_caption', { sort: t(sortLabel) })),
      h('thead', null, h('tr', null,
        heading(t('col_rank'), false, true),
        heading(t('col_org')),
        heading(t('col_participants'), false, true, 'gc-optional'),
        heading(t('col_trips'), false, true, 'gc-optional'),
        heading(t('col_saved'), sortKey === 'savings', true),
        heading(t('col_per'), perParticipant, true),
        heading(t('col_rate'), sortKey === 'participation_rate', true),
        heading(t('col_regularity'), sortKey === 'regularity', true, 'gc-optional'))),
      h('tbody', null, entries.map(function (e) {
        var meter = h('span', { class: 'gc-meter', 'aria-hidden': 'true' }, h('span', null));
        meter.firstChild.style.width = Math.max(0, Math.min(100, 100 * (e[key] || 0) / best)).toFixed(1) + '%';
        return h('tr', { 'data-organization': e.organization.id },
          h('td', { class: 'gc-num gc-rank' }, e.rank <= 3 ? h('span', { class: 'gc-medal gc-medal-' + e.rank }, e.rank) : e.rank),
          h('th', { scope: 'row', class: 'gc-org' },
            h('span', { class: 'gc-org-name' }, e.organization.name),
            h('span', { class: 'gc-chip gc-chip-' + e.organization.kind }, t('kind_' + e.organization.kind))),
          h('td', { class: 'gc-num gc-optional' }, number(e.participants)),
          h('td', { class: 'gc-num gc-optional' }, number(e.trips)),
          h('td', { class: 'gc-num' + (sortKey === 'savings' ? ' gc-sorted' : '') },
            h('span', { class: 'gc-saved' }, sortKey === 'savings' ? meter : null, h('span', null, kg(e.savings_g)))),
          h('td', { class: 'gc-num' + (perParticipant ? ' gc-sorted' : '') },
            h('span', { class: 'gc-saved' }, perParticipant ? meter : null,
              h('span', null, number(e.savings_per_participant_g / 1000, 1)))),
          h('td', { class: 'gc-num' + (sortKey === 'participation_rate' ? ' gc-sorted' : ''), 'data-rate': e.participation_rate },
            h('span', { class: 'gc-saved' }, sortKey === 'participation_rate' ? meter : null, h('span', null, percent(e.participation_rate)))),
          h('td', { class: 'gc-num gc-optional' + (sortKey === 'regularity' ? ' gc-sorted' : '') },
            h('span', { class: 'gc-saved' }, sortKey === 'regularity' ? meter : null, h('span', null, percent(e.regularity)))));
      })));
    box.replaceChildren(table);
  }

  // ---- what-if: the campaign under another factor set -----------------------------------------

  function whatIfView() {
    var w = state.whatIf;
    return h('details', {
      class: 'gc-card gc-whatif', id: 'gc-whatif', open: w.open,
      ontoggle: function (e) {
        w.open = e.target.open;
        if (w.open && !w.sets && !w.error) loadWhatIfSets();
      }
    },
      h('summary', { id: 'gc-whatif-toggle' }, h('h2', { class: 'gc-inline' }, t('whatif_title'))),
      h('p', { class: 'gc-help' }, t('whatif_intro')),
      h('div', { id: 'gc-whatif-body', 'aria-live': 'polite' }));
  }

  function loadWhatIfSets() {
    var w = state.whatIf;
    api('/v1/factor-sets').then(function (list) {
      w.sets = list.factor_sets;
      var other = w.sets.find(function (set) { return set.id !== state.campaign.factor_set.id; });
      if (!w.chosen) w.chosen = (other || w.sets[0]).id;
      renderWhatIf();
    }, function (error) {
      w.error = error;
      renderWhatIf();
    });
  }

  function runWhatIf() {
    var w = state.whatIf;
    w.busy = true;
    w.error = null;
    renderWhatIf();
    api(path(state.campaign.id) + '/compare?factor_set=' + encodeURIComponent(w.chosen)).then(function (answer) {
      w.result = answer;
    }, function (error) {
      w.result = null;
      w.error = error;
    }).then(function () {
      w.busy = false;
      renderWhatIf();
    });
  }

  /** A signed difference in kg, with its sign shown. */
  function deltaKg(grams) {
    return (grams > 0 ? '+' : '') + kg(grams);
  }

  function renderWhatIf() {
    var box = document.getElementById('gc-whatif-body');
    if (!box) return;
    var w = state.whatIf;
    var focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.id : null;
    var parts = [];
    if (w.sets) {
      parts.push(h('form', {
        class: 'gc-controls', id: 'gc-whatif-form',
        onsubmit: function (e) { e.preventDefault(); runWhatIf(); }
      },
        h('label', { for: 'gc-whatif-set' }, t('whatif_set')),
        h('select', { id: 'gc-whatif-set', onchange: function (e) { w.chosen = e.target.value; } },
          w.sets.map(function (set) {
            return h('option', { value: set.id, selected: set.id === w.chosen }, set.id + ' · ' + set.title);
          })),
        h('button', { type: 'submit', class: 'gc-button', id: 'gc-whatif-run', disabled: w.busy },
          w.busy ? t('whatif_working') : t('whatif_run'))));
    } else if (!w.error) {
      parts.push(h('p', { class: 'gc-notice' }, t('loading')));
    }
    if (w.error) {
      parts.push(h('p', { class: 'gc-notice', role: 'alert', id: 'gc-whatif-error' }, t('load_error'), ': ', w.error.message));
    }
    if (w.result && !w.busy) parts.push(whatIfResult(w.result));
    box.replaceChildren.apply(box, parts);
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  }

  function whatIfResult(r) {
    var delta = r.recomputed.savings_g - r.stored.savings_g;
    var missing = r.not_computable;
    return h('div', { id: 'gc-whatif-result' },
      h('dl', { class: 'gc-stats' },
        stat('gc-whatif-stored', { raw: r.stored.savings_g, text: kg(r.stored.savings_g) },
          t('whatif_stored', r.stored.factor_set), t('whatif_kg_saved')),
        stat('gc-whatif-recomputed', { raw: r.recomputed.savings_g, text: kg(r.recomputed.savings_g) },
          t('whatif_recomputed', r.recomputed.factor_set), t('whatif_kg_saved')),
        stat('gc-whatif-delta', { raw: delta, text: deltaKg(delta) }, t('whatif_delta'), t('whatif_kg_saved'))),
      missing.trips > 0
        ? h('div', { class: 'gc-help', id: 'gc-whatif-missing', 'data-value': missing.trips },
          h('p', null, t('whatif_missing', { n: number(missing.trips) })),
          h('ul', null, missing.reasons.map(function (m) {
            return h('li', null, t('whatif_missing_row', { reason: m.reason, n: number(m.trips) }));
          })))
        : h('p', { class: 'gc-help', id: 'gc-whatif-missing', 'data-value': 0 }, t('whatif_all_computable')),
      h('div', { class: 'gc-grid-2' },
        h('div', { class: 'gc-table-scroll' },
          h('h3', null, t('whatif_by_org')),
          whatIfTable('gc-whatif-orgs', t('col_org'), r.by_organization.map(function (o) {
            return [o.organization.name, o];
          }))),
        h('div', { class: 'gc-table-scroll' },
          h('h3', null, t('whatif_by_mode')),
          whatIfTable('gc-whatif-modes', t('col_mode'), r.by_mode.map(function (m) {
            return [modeLabel(m.mode), m];
          })))));
  }

  /** Rows of (label, { stored_savings_g, recomputed_savings_g, delta_g }). */
  function whatIfTable(id, first, rows) {
    var table = dataTable([first, t('col_stored'), t('col_recomputed'), t('col_delta')], rows.map(function (row) {
      return [row[0], kg(row[1].stored_savings_g), kg(row[1].recomputed_savings_g), deltaKg(row[1].delta_g)];
    }));
    table.id = id;
    return table;
  }

  // ---- calculator ----------------------------------------------------------------------------

  function modeOptions(selected, withTelework) {
    return state.set.modes.filter(function (m) { return withTelework || m.mode !== 'telework'; }).map(function (m) {
      return h('option', { value: m.mode, selected: m.mode === selected }, modeLabel(m.mode));
    });
  }

  function field(id, label, control) {
    return h('div', { class: 'gc-field' }, h('label', { for: id }, label), control);
  }

  function legFields(leg, index, onRemove) {
    var n = index + 1;
    var modeId = 'gc-leg-' + n + '-mode';
    var distanceId = 'gc-leg-' + n + '-distance';
    var passengersId = 'gc-leg-' + n + '-passengers';
    return h('fieldset', { class: 'gc-leg' },
      h('legend', null, t('calc_leg', { n: n })),
      field(modeId, t('calc_mode'), h('select', {
        id: modeId, onchange: function (e) { leg.mode = e.target.value; renderCalculator(); }
      }, modeOptions(leg.mode, false))),
      field(distanceId, t('calc_distance'), h('input', {
        id: distanceId, type: 'number', inputmode: 'decimal', min: '0.001', step: 'any', required: true, value: leg.distance,
        oninput: function (e) { leg.distance = e.target.value; }
      })),
      isPerVehicle(leg.mode) ? field(passengersId, t('calc_passengers'), h('input', {
        id: passengersId, type: 'number', min: '1', max: '9', step: '1', value: leg.passengers,
        oninput: function (e) { leg.passengers = e.target.value; }
      })) : null,
      onRemove ? h('button', {
        type: 'button', class: 'gc-icon-button', 'aria-label': t('calc_remove_leg', { n: n }), title: t('calc_remove_leg', { n: n }),
        onclick: onRemove
      }, '×') : null);
  }

  function calculatorView() {
    return h('section', { class: 'gc-card gc-calculator', 'aria-labelledby': 'gc-calc-title' },
      h('h2', { id: 'gc-calc-title' }, t('calculator')),
      h('p', { class: 'gc-help' }, t('calc_intro')),
      h('div', { class: 'gc-calc-grid' },
        h('div', { id: 'gc-calc-form' }),
        h('div', { id: 'gc-calc-result', class: 'gc-calc-result', 'aria-live': 'polite' })));
  }

  function renderCalculator() {
    var box = document.getElementById('gc-calc-form');
    if (!box) return;
    if (!state.set) {
      box.replaceChildren(h('p', { class: 'gc-notice' }, t('calc_unavailable')));
      return;
    }
    var calc = state.calc;
    var focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.id : null;
    function kindChoice(multi, label) {
      var id = 'gc-calc-' + (multi ? 'legs' : 'single');
      return h('label', { class: 'gc-radio', for: id },
        h('input', {
          type: 'radio', name: 'gc-calc-kind', id: id, checked: calc.multi === multi,
          onchange: function () { calc.multi = multi; renderCalculator(); }
        }), ' ', label);
    }
    var trip;
    if (calc.multi) {
      trip = [
        calc.legs.map(function (leg, i) {
          return legFields(leg, i, calc.legs.length > 1 ? function () {
            calc.legs.splice(i, 1);
            renderCalculator();
          } : null);
        }),
        calc.legs.length < 10 ? h('button', {
          type: 'button', class: 'gc-link-button', id: 'gc-calc-add',
          onclick: function () {
            calc.legs.push({ mode: 'walk', distance: '1', passengers: '1' });
            renderCalculator();
          }
        }, '+ ', t('calc_add_leg')) : null
      ];
    } else {
      trip = h('div', { class: 'gc-leg gc-leg-single' },
        field('gc-calc-mode', t('calc_mode'), h('select', {
          id: 'gc-calc-mode', onchange: function (e) { calc.mode = e.target.value; renderCalculator(); }
        }, modeOptions(calc.mode, true))),
        field('gc-calc-distance', t('calc_distance'), h('input', {
          id: 'gc-calc-distance', type: 'number', inputmode: 'decimal', min: '0.001', step: 'any', required: true, value: calc.distance,
          oninput: function (e) { calc.distance = e.target.value; }
        })),
        isPerVehicle(calc.mode) ? field('gc-calc-passengers', t('calc_passengers'), h('input', {
          id: 'gc-calc-passengers', type: 'number', min: '1', max: '9', step: '1', value: calc.passengers,
          oninput: function (e) { calc.passengers = e.target.value; }
        })) : null);
    }
    var form = h('form', {
      class: 'gc-form', id: 'gc-calc', novalidate: true,
      onsubmit: function (e) { e.preventDefault(); calculate(); }
    },
      h('fieldset', { class: 'gc-choice' },
        h('legend', null, t('calc_trip')),
        kindChoice(false, t('calc_single')), kindChoice(true, t('calc_legs'))),
      trip,
      h('label', { class: 'gc-check', for: 'gc-calc-round' },
        h('input', {
          type: 'checkbox', id: 'gc-calc-round', checked: calc.round,
          onchange: function (e) { calc.round = e.target.checked; }
        }), ' ', t('calc_round')),
      h('button', { type: 'submit', class: 'gc-button', id: 'gc-calc-submit', disabled: state.calcBusy },
        state.calcBusy ? t('calc_working') : t('calc_submit')));
    box.replaceChildren(form);
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  }

  function estimateRequest() {
    var calc = state.calc;
    var c = state.campaign;
    var request = { factor_set: state.set.id, round_trip: calc.round, baseline: { mode: c.baseline_mode } };
    if (c.region && state.set.grid_regions && state.set.grid_regions.length) request.region = c.region;
    function withPassengers(target, mode, passengers) {
      if (isPerVehicle(mode) && passengers !== '') target.passengers = Number(passengers);
      return target;
    }
    if (calc.multi) {
      request.legs = calc.legs.map(function (leg) {
        return withPassengers({ mode: leg.mode, distance_km: Number(leg.distance) }, leg.mode, leg.passengers);
      });
    } else {
      request.mode = calc.mode;
      request.distance_km = Number(calc.distance);
      withPassengers(request, calc.mode, calc.passengers);
    }
    return request;
  }

  function calculate() {
    if (!state.set || state.calcBusy) return;
    state.calcBusy = true;
    renderCalculator();
    api('/v1/estimate', estimateRequest()).then(function (result) {
      state.calcResult = result;
      state.calcError = null;
    }, function (error) {
      state.calcResult = null;
      state.calcError = error;
    }).then(function () {
      state.calcBusy = false;
      renderCalcResult();
    });
  }

  /** The form's name for a field path of the API (`legs[1].distance_km` → "Leg 2 · Distance (km)"). */
  function fieldLabel(field) {
    var names = { mode: t('calc_mode'), distance_km: t('calc_distance'), passengers: t('calc_passengers') };
    var leg = field.match(/^legs\[(\d+)\]\.(\w+)$/);
    if (leg) return t('calc_leg', { n: Number(leg[1]) + 1 }) + ' · ' + (names[leg[2]] || leg[2]);
    return names[field] || field;
  }

  function grams(value) {
    return Math.abs(value) >= 10000 ? kg(value) + ' kg' : number(value) + ' g';
  }

  function renderCalcResult() {
    renderCalculator();
    var box = document.getElementById('gc-calc-result');
    if (!box) return;
    if (state.calcError) {
      var problem = state.calcError.problem;
      box.dataset.state = 'error';
      var fields = problem && problem.errors ? problem.errors.filter(function (e) { return e.field; }) : [];
      box.replaceChildren(h('div', { class: 'gc-alert', role: 'alert' },
        fields.length ? [
          h('p', null, h('strong', null, t('error_fields'))),
          h('ul', null, fields.map(function (e) { return h('li', null, fieldLabel(e.field), ': ', e.message); }))
        ] : h('p', null, h('strong', null, state.calcError.message))));
      return;
    }
    var r = state.calcResult;
    if (!r) {
      box.dataset.state = 'empty';
      box.replaceChildren();
      return;
    }
    box.dataset.state = 'ok';
    box.dataset.savingsG = r.savings_g;
    box.dataset.activeMinutes = r.active_minutes;
    box.dataset.noxSavedMg = r.air_saved ? r.air_saved.nox_mg : '';
    var share = r.baseline.co2e_g > 0 ? Math.round(100 * r.savings_g / r.baseline.co2e_g) : null;
    box.replaceChildren(
      h('dl', { class: 'gc-figures' },
        h('div', { class: 'gc-figure' },
          h('dt', null, t('r_trip'), ' · ', number(r.distance_km, r.distance_km % 1 ? 1 : 0), ' km'),
          h('dd', { id: 'gc-calc-co2e' }, grams(r.co2e_g))),
        h('div', { class: 'gc-figure' },
          h('dt', null, t('r_baseline', { mode: modeLabel(r.baseline.mode), km: number(r.baseline.distance_km, r.baseline.distance_km % 1 ? 1 : 0) })),
          h('dd', { id: 'gc-calc-baseline' }, grams(r.baseline.co2e_g))),
        h('div', { class: 'gc-figure gc-figure-main' + (r.savings_g < 0 ? ' gc-negative' : '') },
          h('dt', null, t('r_saving')),
          h('dd', { id: 'gc-calc-saving' }, grams(r.savings_g),
            share != null && r.savings_g >= 0 ? h('small', null, ' (' + share + '%)') : null,
            r.savings_g < 0 ? h('small', null, ' ', t('r_more')) : null))),
      r.air_saved ? h('dl', { class: 'gc-figures gc-figures-cob' },
        h('div', { class: 'gc-figure' },
          h('dt', null, t('r_active')),
          h('dd', { id: 'gc-calc-active' }, number(r.active_minutes), ' ', h('small', null, t('minutes_unit')))),
        h('div', { class: 'gc-figure' },
          h('dt', null, t('r_air_saved')),
          h('dd', { id: 'gc-calc-air' },
            h('span', { class: 'gc-pollutant' }, 'NOx ', mass(r.air_saved.nox_mg)),
            h('span', { class: 'gc-pollutant' }, 'PM2.5 ', mass(r.air_saved.pm25_mg)),
            r.air_complete ? null : h('small', { class: 'gc-pollutant' }, t('r_air_incomplete'))))) : null,
      h('h3', null, t('r_legs')),
      h('div', { class: 'gc-table-scroll' }, h('table', { class: 'gc-table gc-table-compact', id: 'gc-calc-legs' },
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, t('col_leg_mode')),
          h('th', { scope: 'col', class: 'gc-num' }, t('col_distance')),
          h('th', { scope: 'col', class: 'gc-num' }, t('col_factor')),
          h('th', { scope: 'col', class: 'gc-num' }, t('col_co2e')),
          h('th', { scope: 'col' }, t('col_source')))),
        h('tbody', null, r.legs.map(function (leg) {
          return h('tr', null,
            h('th', { scope: 'row' }, modeLabel(leg.mode)),
            h('td', { class: 'gc-num' }, number(leg.distance_km, leg.distance_km % 1 ? 1 : 0)),
            h('td', { class: 'gc-num' }, number(leg.co2e_g_per_km, 1), ' ',
              h('small', null, leg.basis === 'vehicle_km' ? t('per_vehicle_km', { n: leg.passengers || 1 }) : t('per_passenger_km'))),
            h('td', { class: 'gc-num' }, number(leg.co2e_g)),
            h('td', { class: 'gc-source' },
              h('span', { class: 'gc-source-title', title: sourceTitle(leg.source) }, sourceTitle(leg.source)),
              h('span', { class: 'gc-chip gc-quality-' + leg.quality }, t('quality_' + leg.quality))));
        })))),
      h('p', { class: 'gc-help gc-calc-foot' },
        t('r_set', { id: r.factor_set.id, version: r.factor_set.version }),
        r.grid_region ? ' · ' + t('r_grid', { region: r.grid_region.id, g: number(r.grid_region.co2e_g_per_kwh) }) : null));
  }

  // ---- start ---------------------------------------------------------------------------------

  var resizeFrame = 0;
  var lastWidth = 0;
  window.addEventListener('resize', function () {
    if (state.view !== 'campaign' || root.clientWidth === lastWidth) return;
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(function () {
      lastWidth = root.clientWidth;
      renderCharts();
    });
  });

  start();
})();
