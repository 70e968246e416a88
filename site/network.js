/*
 * Green Commute network page (/network): every public campaign of the network on a timeline,
 * the network's totals and its regions, each campaign linking to its page. Reads only
 * GET /v1/network/summary, which answers any origin.
 */
(function () {
  'use strict';

  var kit = GreenCommuteKit;
  var h = kit.h;
  var where = kit.page(document.currentScript);
  var root = where.root;
  var API = where.api;
  var SVG = 'http://www.w3.org/2000/svg';

  var TEXT = {
    en: {
      brand: 'Green Commute',
      tagline: 'The network',
      language: 'Language',
      campaigns_link: 'Campaigns',
      title: 'Our network of green-commuting campaigns',
      intro: 'Every public campaign run by the network’s partners, in cities across the country, and what their organizations’ members saved together.',
      loading: 'Loading…',
      load_error: 'The figures could not be loaded: {detail}',
      t_campaigns: 'campaigns',
      t_organizations: 'organizations',
      t_participants: 'participants',
      t_trips: 'trips',
      t_saved: 'kg CO₂e saved',
      timeline: 'Campaigns on a timeline',
      timeline_desc: 'Each bar runs from a campaign’s first day to its last; the figure is what it saved.',
      no_campaigns: 'No public campaign yet.',
      col_campaign: 'Campaign',
      col_region: 'Region',
      col_organizer: 'Run by',
      col_dates: 'Dates',
      col_trips: 'Trips',
      col_saved: 'Saved (kg)',
      col_campaigns: 'Campaigns',
      regions: 'By region',
      no_region: 'No region',
      admin: 'the network',
      dates: '{from} – {to}',
      footer: 'Amounts are CO₂-equivalent (CO₂e), computed by the Green Commute API from published emission factors.'
    },
    zh: {
      brand: '绿色出行',
      tagline: '活动网络',
      language: '语言',
      campaigns_link: '活动',
      title: '绿色出行活动网络',
      intro: '网络伙伴在全国各城市开展的所有公开活动，以及各单位成员共同实现的减排。',
      loading: '加载中…',
      load_error: '无法加载数据：{detail}',
      t_campaigns: '个活动',
      t_organizations: '个单位',
      t_participants: '位参与者',
      t_trips: '次出行',
      t_saved: '千克 CO₂e 减排',
      timeline: '活动时间线',
      timeline_desc: '每条横条从活动首日延伸到末日；数字为该活动的减排量。',
      no_campaigns: '暂无公开活动。',
      col_campaign: '活动',
      col_region: '地区',
      col_organizer: '主办方',
      col_dates: '日期',
      col_trips: '出行',
      col_saved: '减排（千克）',
      col_campaigns: '活动数',
      regions: '按地区',
      no_region: '未指定地区',
      admin: '网络',
      dates: '{from} 至 {to}',
      footer: '数据为二氧化碳当量（CO₂e），由绿色出行 API 根据公开发布的排放因子计算。'
    }
  };

  var state = { lang: kit.initialLanguage(), summary: null, error: null };
  var t = kit.translator(TEXT, function () { return state.lang; });
  var fmt = kit.formats(function () { return state.lang; });
  var api = kit.client(API, null);

  function s(tag, attrs) {
    var el = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (name) { el.setAttribute(name, attrs[name]); });
    Array.prototype.slice.call(arguments, 2).forEach(function (child) {
      if (child != null) el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    });
    return el;
  }

  function dayNumber(text) {
    var p = text.split('-');
    return Date.UTC(+p[0], +p[1] - 1, +p[2]) / 86400000;
  }

  function timeline(campaigns) {
    var first = Math.min.apply(null, campaigns.map(function (c) { return dayNumber(c.starts_on); }));
    var last = Math.max.apply(null, campaigns.map(function (c) { return dayNumber(c.ends_on); })) + 1;
    var width = 800;
    var label = 260;
    var row = 34;
    var scale = (width - label - 90) / Math.max(1, last - first);
    var height = campaigns.length * row + 10;
    var svg = s('svg', {
      class: 'gc-svg', id: 'gc-timeline', viewBox: '0 0 ' + width + ' ' + height, role: 'img',
      'aria-label': t('timeline'), preserveAspectRatio: 'xMinYMin meet'
    });
    campaigns.forEach(function (c, i) {
      var x = label + (dayNumber(c.starts_on) - first) * scale;
      var w = Math.max(3, (dayNumber(c.ends_on) + 1 - dayNumber(c.starts_on)) * scale);
      var y = 5 + i * row;
      var link = s('a', { href: '/campaigns/' + encodeURIComponent(c.id), 'data-campaign': c.id },
        s('title', null, c.name + ' · ' + t('dates', { from: fmt.longDay(c.starts_on), to: fmt.longDay(c.ends_on) })),
        s('text', { x: 0, y: y + 19, class: 'gc-axis-label' }, c.name.length > 34 ? c.name.slice(0, 33) + '…' : c.name),
        s('rect', { x: x, y: y + 6, width: w, height: 18, rx: 4, class: 'gc-timeline-bar' }),
        s('text', { x: x + w + 6, y: y + 19, class: 'gc-value' }, fmt.kg(c.savings_g)));
      svg.appendChild(link);
    });
    return svg;
  }

  function render() {
    root.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
    document.documentElement.lang = root.lang;
    document.title = t('title') + ' · ' + t('brand');
    root.dataset.state = state.summary ? 'ready' : state.error ? 'error' : 'loading';
    var body;
    if (state.error) body = h('p', { class: 'gc-card gc-alert', role: 'alert' }, t('load_error', { detail: state.error.message }));
    else if (!state.summary) body = h('p', { class: 'gc-notice', role: 'status' }, t('loading'));
    else body = summaryView(state.summary);
    root.replaceChildren(
      kit.bar({
        home: '/', brand: t('brand'), tagline: t('tagline'), lang: state.lang, languageLabel: t('language'),
        onLanguage: function (lang) { state.lang = lang; kit.rememberLanguage(lang); render(); },
        links: [{ href: '/', label: t('campaigns_link') }]
      }),
      h('main', { class: 'gc-body' }, h('div', { class: 'gc-wrap' },
        h('section', { class: 'gc-hero' }, h('h1', null, t('title')), h('p', { class: 'gc-lead' }, t('intro'))),
        body)),
      h('footer', { class: 'gc-footer' }, h('div', { class: 'gc-wrap' }, t('footer'))));
  }

  /** A total, with its raw value in `data-value` for scripts and tests. */
  function stat(id, raw, shown, label) {
    return h('div', { class: 'gc-stat', id: id, 'data-value': raw }, h('dt', null, label), h('dd', null, shown));
  }

  function summaryView(n) {
    var campaigns = n.by_campaign;
    return [
      h('dl', { class: 'gc-stats gc-stats-5', id: 'gc-network-totals' },
        stat('gc-net-campaigns', n.campaigns, fmt.number(n.campaigns), t('t_campaigns')),
        stat('gc-net-organizations', n.organizations, fmt.number(n.organizations), t('t_organizations')),
        stat('gc-net-participants', n.participants, fmt.number(n.participants), t('t_participants')),
        stat('gc-net-trips', n.trips, fmt.number(n.trips), t('t_trips')),
        stat('gc-net-saved', n.savings_g, fmt.kg(n.savings_g), t('t_saved'))),
      h('section', { class: 'gc-card', 'aria-labelledby': 'gc-timeline-title' },
        h('h2', { id: 'gc-timeline-title' }, t('timeline')),
        h('p', { class: 'gc-help' }, t('timeline_desc')),
        campaigns.length ? [
          h('div', { class: 'gc-chart' }, timeline(campaigns)),
          h('div', { class: 'gc-table-scroll' }, h('table', { class: 'gc-table gc-table-compact', id: 'gc-network-campaigns' },
            h('thead', null, h('tr', null,
              h('th', { scope: 'col' }, t('col_campaign')),
              h('th', { scope: 'col' }, t('col_organizer')),
              h('th', { scope: 'col' }, t('col_region')),
              h('th', { scope: 'col' }, t('col_dates')),
              h('th', { scope: 'col', class: 'gc-num' }, t('col_trips')),
              h('th', { scope: 'col', class: 'gc-num' }, t('col_saved')))),
            h('tbody', null, campaigns.map(function (c) {
              return h('tr', { 'data-campaign': c.id },
                h('th', { scope: 'row' }, h('a', { href: '/campaigns/' + encodeURIComponent(c.id) }, c.name)),
                h('td', null, c.organizer ? c.organizer.name : t('admin')),
                h('td', null, c.region || t('no_region')),
                h('td', null, t('dates', { from: fmt.day(c.starts_on), to: fmt.day(c.ends_on) })),
                h('td', { class: 'gc-num' }, fmt.number(c.trips)),
                h('td', { class: 'gc-num' }, fmt.kg(c.savings_g)));
            }))))
        ] : h('p', { class: 'gc-notice' }, t('no_campaigns'))),
      h('section', { class: 'gc-card', 'aria-labelledby': 'gc-regions-title' },
        h('h2', { id: 'gc-regions-title' }, t('regions')),
        h('div', { class: 'gc-table-scroll' }, h('table', { class: 'gc-table gc-table-compact', id: 'gc-network-regions' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, t('col_region')),
            h('th', { scope: 'col', class: 'gc-num' }, t('col_campaigns')),
            h('th', { scope: 'col', class: 'gc-num' }, t('col_trips')),
            h('th', { scope: 'col', class: 'gc-num' }, t('col_saved')))),
          h('tbody', null, n.by_region.map(function (r) {
            return h('tr', { 'data-region': r.region || '' },
              h('th', { scope: 'row' }, r.region || t('no_region')),
              h('td', { class: 'gc-num' }, fmt.number(r.campaigns)),
              h('td', { class: 'gc-num' }, fmt.number(r.trips)),
              h('td', { class: 'gc-num' }, fmt.kg(r.savings_g)));
          })))))
    ];
  }

  render();
  api('/v1/network/summary').then(function (summary) {
    state.summary = summary;
    render();
  }, function (error) {
    state.error = error;
    render();
  });
})();
