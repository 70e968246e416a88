/*
 * Green Commute participant pages: /join/{code} (see where the invite leads, join with one tap)
 * and /me (log a commute in a few taps, the days logged, one's own saving against the
 * organization's per-participant figure, one's trips). Made for a phone held in one hand.
 *
 * The participant token is kept in localStorage (it is the participant's only credential, so it
 * must survive closing the browser) and sent only in the Authorization header; after joining the
 * page moves to /me, so the token never appears in a URL. "Use on another device" shows it once
 * to copy.
 */
(function () {
  'use strict';

  var kit = GreenCommuteKit;
  var h = kit.h;
  var where = kit.page(document.currentScript);
  var root = where.root;
  var API = where.api;
  var TOKEN_STORE = 'green-commute.participant-token';
  var LAST_STORE = 'green-commute.last-commute';
  var QUICK_MODES = ['walk', 'bicycle', 'e_bike', 'bus', 'metro', 'shuttle', 'taxi_pooled', 'car', 'telework'];
  var PER_VEHICLE_HINT = 'vehicle_km';

  var TEXT = {
    en: {
      brand: 'Green Commute',
      tagline: 'My green commute',
      language: 'Language',
      loading: 'Loading…',
      join_title: 'Join {organization}',
      join_intro: 'Log how you get to work during “{campaign}” ({from} – {to}). It takes a few seconds a day.',
      join_privacy: 'No name, phone number or e-mail is needed: you get a random participant id. A nickname is optional and only you see it.',
      nickname: 'Nickname (optional, only you see it)',
      join: 'Join and log my commute',
      joining: 'Joining…',
      join_failed: 'This invite cannot be used: {detail}',
      already: 'You already joined “{campaign}” on this device.',
      go_me: 'Go to my page',
      no_token_title: 'My green commute',
      no_token: 'Open the invite link your organization shared to join. Joined on another device? Paste the code it showed you.',
      paste_label: 'Code from your other device',
      paste_submit: 'Use this code',
      token_refused: 'This code does not work: it may be mistyped or revoked.',
      hello: 'Hello, {name}',
      hello_anonymous: 'Hello',
      member_of: '{organization} · {campaign}',
      log_title: 'Log a commute',
      date: 'Day',
      direction: 'Which way',
      to_work: 'To work',
      from_work: 'Home',
      round_trip: 'Both ways',
      mode: 'How',
      more_modes: 'Other…',
      distance: 'Distance (km, one way)',
      passengers: 'People in the vehicle, you included',
      legs: 'Several legs (e.g. bike + metro)',
      leg: 'Leg {n}',
      add_leg: 'Add a leg',
      remove_leg: 'Remove',
      save: 'Save',
      saving_now: 'Saving…',
      saved_one: 'Saved: {kg} kg CO₂e less than by {baseline}.',
      saved_more: 'Saved, though it emits {kg} kg CO₂e more than {baseline}.',
      already_logged: 'This commute was already logged for that day.',
      log_failed: 'Not saved: {detail}',
      figures_title: 'My saving',
      f_saved: 'kg CO₂e saved',
      f_trips: 'commutes',
      f_days: 'days',
      compare: 'Your organization: {kg} kg per participant ({participants} participants).',
      ahead: 'You are ahead of the average.',
      calendar_title: 'My days',
      calendar_legend: 'Green: a day with a logged commute.',
      history_title: 'My commutes',
      history_empty: 'Nothing logged yet.',
      delete: 'Delete',
      delete_label: 'Delete the commute of {date}',
      delete_confirm: 'Delete this commute?',
      device_title: 'Use on another device',
      device_intro: 'Your code is your only key: whoever has it can log as you. Show it only to copy it to your other device, then open /me there.',
      device_show: 'Show my code',
      device_copy: 'Copy',
      device_copied: 'Copied.',
      forget: 'Forget me on this device',
      forget_confirm: 'Forget your code on this device? Without it (or your other device) you cannot log as yourself again.',
      error: 'Something went wrong: {detail}',
      footer: 'Amounts are CO₂-equivalent (CO₂e), computed by the Green Commute API from published emission factors.'
    },
    zh: {
      brand: '绿色出行',
      tagline: '我的绿色通勤',
      language: '语言',
      loading: '加载中…',
      join_title: '加入{organization}',
      join_intro: '在“{campaign}”期间（{from}至{to}）记录您的通勤方式，每天只需几秒钟。',
      join_privacy: '无需姓名、手机号或邮箱：系统会为您生成随机参与者编号。昵称可选，仅您本人可见。',
      nickname: '昵称（可选，仅自己可见）',
      join: '加入并记录通勤',
      joining: '正在加入…',
      join_failed: '此邀请无法使用：{detail}',
      already: '您已在本设备上加入“{campaign}”。',
      go_me: '前往我的页面',
      no_token_title: '我的绿色通勤',
      no_token: '请打开本单位分享的邀请链接加入。已在其他设备上加入？请粘贴那台设备显示的代码。',
      paste_label: '其他设备上的代码',
      paste_submit: '使用此代码',
      token_refused: '此代码无效：可能输入有误或已被撤销。',
      hello: '{name}，您好',
      hello_anonymous: '您好',
      member_of: '{organization} · {campaign}',
      log_title: '记录一次通勤',
      date: '日期',
      direction: '方向',
      to_work: '上班',
      from_work: '下班',
      round_trip: '往返',
      mode: '出行方式',
      more_modes: '其他…',
      distance: '距离（公里，单程）',
      passengers: '同车人数（含自己）',
      legs: '多段行程（如骑车＋地铁）',
      leg: '第 {n} 段',
      add_leg: '添加一段',
      remove_leg: '删除',
      save: '保存',
      saving_now: '正在保存…',
      saved_one: '已保存：比{baseline}少排放 {kg} 千克 CO₂e。',
      saved_more: '已保存，但比{baseline}多排放 {kg} 千克 CO₂e。',
      already_logged: '当天这次通勤已记录过。',
      log_failed: '未保存：{detail}',
      figures_title: '我的减排',
      f_saved: '千克 CO₂e 减排',
      f_trips: '次通勤',
      f_days: '天',
      compare: '本单位人均减排 {kg} 千克（{participants} 位参与者）。',
      ahead: '您高于平均水平。',
      calendar_title: '我的打卡日历',
      calendar_legend: '绿色表示当天已记录通勤。',
      history_title: '我的通勤记录',
      history_empty: '尚无记录。',
      delete: '删除',
      delete_label: '删除 {date} 的通勤记录',
      delete_confirm: '删除这条通勤记录？',
      device_title: '在其他设备上使用',
      device_intro: '您的代码是唯一凭证：持有者可以以您的身份记录。仅在复制到另一台设备时显示，然后在那台设备上打开 /me。',
      device_show: '显示我的代码',
      device_copy: '复制',
      device_copied: '已复制。',
      forget: '在本设备上退出',
      forget_confirm: '在本设备上删除您的代码？没有它（或另一台设备），您将无法再以本人身份记录。',
      error: '出错了：{detail}',
      footer: '数据为二氧化碳当量（CO₂e），由绿色出行 API 根据公开发布的排放因子计算。'
    }
  };

  var state = {
    lang: kit.initialLanguage(),
    token: readStore(TOKEN_STORE),
    view: 'loading',
    error: null,
    invite: null,
    code: null,
    me: null,
    set: null,
    trips: [],
    form: null,
    result: null,
    busy: false,
    showToken: false,
    copied: false,
    refusal: null
  };
  var t = kit.translator(TEXT, function () { return state.lang; });
  var fmt = kit.formats(function () { return state.lang; });
  var api = kit.client(API, function () { return state.token; });

  var nextId = 0;
  function uid(name) {
    nextId += 1;
    return 'gc-' + name + '-' + nextId;
  }

  function readStore(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  function writeStore(key, value) {
    try {
      if (value == null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch (e) { /* without storage the page works until it is closed */ }
  }

  function lastCommute() {
    try { return JSON.parse(readStore(LAST_STORE) || 'null'); } catch (e) { return null; }
  }

  function modeOf(id) {
    return state.set && state.set.modes.find(function (m) { return m.mode === id; });
  }

  function modeLabel(id) {
    var found = modeOf(id);
    return found && found.label ? found.label[state.lang] || found.label.en || id : id;
  }

  function isPerVehicle(id) {
    var found = modeOf(id);
    return !!found && found.basis === PER_VEHICLE_HINT;
  }

  /** Today in the campaign's time zone, kept within the campaign's days. */
  function defaultDay(campaign) {
    var today;
    try {
      today = new Intl.DateTimeFormat('en-CA', { timeZone: campaign.time_zone }).format(new Date());
    } catch (e) {
      today = new Date().toISOString().slice(0, 10);
    }
    if (today < campaign.starts_on) return campaign.starts_on;
    if (today > campaign.ends_on) return campaign.ends_on;
    return today;
  }

  // ---- loading ---------------------------------------------------------------------------------

  function start() {
    var match = location.pathname.match(/^\/join\/([^/]+)\/?$/);
    if (match) {
      state.code = decodeURIComponent(match[1]);
      api('/v1/join/' + encodeURIComponent(state.code)).then(function (invite) {
        state.invite = invite;
        state.view = 'join';
        render();
      }, fail);
      if (state.token) {
        api('/v1/me').then(function (me) { if (me.role === 'participant') { state.me = me; render(); } }, function () {});
      }
      return;
    }
    if (!state.token) {
      state.view = 'no-token';
      render();
      return;
    }
    loadMe();
  }

  function fail(error) {
    state.view = 'error';
    state.error = error;
    render();
  }

  function loadMe() {
    return api('/v1/me').then(function (me) {
      if (me.role !== 'participant') {
        forget('token_refused');
        return;
      }
      state.me = me;
      if (!state.form) state.form = newForm(me.campaign);
      state.view = 'me';
      render();
      var loads = [loadTrips()];
      if (!state.set) {
        loads.push(api('/v1/factor-sets/' + encodeURIComponent(me.campaign.factor_set)).then(function (set) {
          state.set = set;
          render();
        }, function () { /* ids stand in for names */ }));
      }
      return Promise.all(loads);
    }, function (error) {
      if (error.status === 401) forget('token_refused');
      else fail(error);
    });
  }

  function loadTrips() {
    var all = [];
    function page(cursor) {
      return api('/v1/me/trips?limit=1000' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''))
        .then(function (result) {
          all = all.concat(result.trips);
          if (result.next_cursor) return page(result.next_cursor);
          state.trips = all;
          render();
          return all;
        });
    }
    return page(null);
  }

  function forget(refusal) {
    writeStore(TOKEN_STORE, null);
    state.token = null;
    state.me = null;
    state.refusal = refusal || null;
    state.view = 'no-token';
    render();
  }

  function newForm(campaign) {
    var last = lastCommute() || {};
    return {
      date: defaultDay(campaign),
      direction: 'to_work',
      multi: !!(last.legs && last.legs.length > 1),
      legs: last.legs && last.legs.length ? last.legs : [{ mode: last.mode || 'bicycle', distance_km: last.distance_km || '' }],
      passengers: last.passengers || ''
    };
  }

  // ---- actions ---------------------------------------------------------------------------------

  function join(nickname) {
    state.busy = true;
    render();
    api('/v1/join/' + encodeURIComponent(state.code), { method: 'POST', json: nickname ? { nickname: nickname } : {} })
      .then(function (joined) {
        writeStore(TOKEN_STORE, joined.token);
        // The code stays out of the address bar and the history from now on.
        location.replace('/me' + (new URLSearchParams(location.search).get('lang') ? '?lang=' + state.lang : ''));
      }, function (error) {
        state.busy = false;
        state.error = error;
        state.view = 'join-failed';
        render();
      });
  }

  function usePastedToken(token) {
    state.token = token;
    state.refusal = null;
    state.view = 'loading';
    render();
    api('/v1/me').then(function (me) {
      if (me.role !== 'participant') return forget('token_refused');
      writeStore(TOKEN_STORE, token);
      return loadMe();
    }, function () { forget('token_refused'); });
  }

  function tripBody() {
    var form = state.form;
    var legs = form.legs.map(function (leg) {
      return { mode: leg.mode, distance_km: Number(String(leg.distance_km).replace(',', '.')) };
    });
    var body = { date: form.date, direction: form.direction };
    if (legs.length === 1) {
      body.mode = legs[0].mode;
      body.distance_km = legs[0].distance_km;
      if (isPerVehicle(legs[0].mode) && form.passengers) body.passengers = Number(form.passengers);
    } else {
      body.legs = legs;
    }
    return body;
  }

  function saveTrip() {
    var body = tripBody();
    state.busy = true;
    state.result = null;
    render();
    api('/v1/me/trips', { method: 'POST', json: body }).then(function (logged) {
      var form = state.form;
      writeStore(LAST_STORE, JSON.stringify({
        mode: form.legs[0].mode, distance_km: form.legs[0].distance_km,
        legs: form.multi ? form.legs : null, passengers: form.passengers
      }));
      state.busy = false;
      state.result = { trip: logged.trips[0], duplicate: logged.duplicates > 0 };
      // The next commute of the day is usually the way home.
      if (form.direction === 'to_work' && !state.result.duplicate) form.direction = 'from_work';
      return loadMe();
    }, function (error) {
      state.busy = false;
      state.result = { error: error };
      render();
    });
  }

  function deleteTrip(trip) {
    if (!window.confirm(t('delete_confirm'))) return;
    api('/v1/me/trips/' + trip.id, { method: 'DELETE' }).then(loadMe, function (error) {
      state.result = { error: error };
      render();
    });
  }

  // ---- page ------------------------------------------------------------------------------------

  function render() {
    root.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
    document.documentElement.lang = root.lang;
    root.dataset.state = state.view;
    root.setAttribute('aria-busy', state.view === 'loading' ? 'true' : 'false');
    var focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.id : null;
    var body;
    if (state.view === 'loading') body = h('p', { class: 'gc-notice', role: 'status' }, t('loading'));
    else if (state.view === 'error') body = h('p', { class: 'gc-card gc-alert', role: 'alert' }, t('error', { detail: state.error.message }));
    else if (state.view === 'join' || state.view === 'join-failed') body = joinView();
    else if (state.view === 'no-token') body = noTokenView();
    else body = meView();
    root.replaceChildren(
      kit.bar({
        home: state.me ? '/me' : '/', brand: t('brand'), tagline: t('tagline'), lang: state.lang,
        languageLabel: t('language'), onLanguage: function (lang) {
          state.lang = lang;
          kit.rememberLanguage(lang);
          render();
        }
      }),
      h('main', { class: 'gc-body' }, h('div', { class: 'gc-wrap gc-narrow' }, body)),
      h('footer', { class: 'gc-footer' }, h('div', { class: 'gc-wrap' }, t('footer'))));
    document.title = t('tagline') + ' · ' + t('brand');
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  }

  function joinView() {
    var invite = state.invite;
    var facts = {
      organization: invite.organization.name, campaign: invite.campaign.name,
      from: fmt.longDay(invite.campaign.starts_on), to: fmt.longDay(invite.campaign.ends_on)
    };
    var already = state.me && state.me.campaign.id === invite.campaign.id;
    return h('section', { class: 'gc-card', 'aria-labelledby': 'gc-join-title' },
      h('h1', { id: 'gc-join-title' }, t('join_title', facts)),
      h('p', { class: 'gc-lead-dark' }, t('join_intro', facts)),
      h('p', { class: 'gc-help' }, t('join_privacy')),
      already ? h('p', { class: 'gc-notice', id: 'gc-already' }, t('already', facts), ' ',
        h('a', { href: '/me' }, t('go_me'))) : null,
      state.view === 'join-failed'
        ? h('p', { class: 'gc-alert', role: 'alert', id: 'gc-join-error' }, t('join_failed', { detail: state.error.message })) : null,
      h('form', {
        class: 'gc-form', id: 'gc-join', onsubmit: function (event) {
          event.preventDefault();
          join(document.getElementById('gc-nickname').value.trim());
        }
      },
        h('label', { class: 'gc-field', for: 'gc-nickname' }, t('nickname')),
        h('input', { id: 'gc-nickname', type: 'text', maxlength: 40, autocomplete: 'nickname' }),
        h('button', { type: 'submit', class: 'gc-button gc-button-wide', id: 'gc-join-button', disabled: state.busy },
          state.busy ? t('joining') : t('join'))));
  }

  function noTokenView() {
    return h('section', { class: 'gc-card' },
      h('h1', null, t('no_token_title')),
      h('p', null, t('no_token')),
      state.refusal ? h('p', { class: 'gc-alert', role: 'alert', id: 'gc-token-error' }, t(state.refusal)) : null,
      h('form', {
        class: 'gc-form', id: 'gc-paste', onsubmit: function (event) {
          event.preventDefault();
          var token = document.getElementById('gc-token').value.trim();
          if (token) usePastedToken(token);
        }
      },
        h('label', { class: 'gc-field', for: 'gc-token' }, t('paste_label')),
        h('input', { id: 'gc-token', type: 'password', autocomplete: 'off', spellcheck: 'false' }),
        h('button', { type: 'submit', class: 'gc-button' }, t('paste_submit'))));
  }

  function meView() {
    var me = state.me;
    return [
      h('section', { class: 'gc-hero gc-hero-compact' },
        h('h1', { id: 'gc-hello' }, me.nickname ? t('hello', { name: me.nickname }) : t('hello_anonymous')),
        h('p', { class: 'gc-meta' }, t('member_of', { organization: me.organization.name, campaign: me.campaign.name }))),
      logView(),
      figuresView(),
      calendarView(),
      historyView(),
      deviceView()
    ];
  }

  function choiceGroup(name, legend, options, current, onChoose) {
    return h('fieldset', { class: 'gc-choice gc-pills', id: 'gc-' + name },
      h('legend', null, legend),
      options.map(function (option) {
        return h('button', {
          type: 'button', class: 'gc-pill', id: 'gc-' + name + '-' + option.value,
          'aria-pressed': option.value === current ? 'true' : 'false',
          onclick: function () { onChoose(option.value); }
        }, option.label);
      }));
  }

  function modeChoices(current, onChoose, index) {
    var available = state.set ? state.set.modes.map(function (m) { return m.mode; }) : QUICK_MODES;
    var quick = QUICK_MODES.filter(function (m) { return available.indexOf(m) >= 0; });
    var others = available.filter(function (m) { return quick.indexOf(m) < 0; });
    var suffix = index ? '-' + index : '';
    var label = uid('mode-label');
    return h('div', { class: 'gc-mode-pick' },
      h('span', { class: 'gc-field', id: label }, t('mode')),
      h('div', { class: 'gc-pills', role: 'group', 'aria-labelledby': label },
        quick.map(function (mode) {
          return h('button', {
            type: 'button', class: 'gc-pill', id: 'gc-mode' + suffix + '-' + mode,
            'aria-pressed': mode === current ? 'true' : 'false',
            onclick: function () { onChoose(mode); }
          }, modeLabel(mode));
        })),
      others.length ? h('select', {
        id: 'gc-more-modes' + suffix, 'aria-label': t('more_modes'),
        onchange: function (event) { if (event.target.value) onChoose(event.target.value); }
      },
        h('option', { value: '' }, t('more_modes')),
        others.map(function (mode) {
          return h('option', { value: mode, selected: mode === current }, modeLabel(mode));
        })) : null);
  }

  function logView() {
    var form = state.form;
    var campaign = state.me.campaign;
    var result = state.result;
    var single = !form.multi;
    var legsView = form.legs.map(function (leg, i) {
      var index = form.multi ? i + 1 : 0;
      return h('div', { class: form.multi ? 'gc-leg' : null },
        form.multi ? h('p', { class: 'gc-leg-title' }, t('leg', { n: i + 1 }),
          form.legs.length > 1 ? h('button', {
            type: 'button', class: 'gc-link-button', onclick: function () { form.legs.splice(i, 1); render(); }
          }, t('remove_leg')) : null) : null,
        modeChoices(leg.mode, function (mode) { leg.mode = mode; render(); }, index),
        h('label', { class: 'gc-field', for: 'gc-distance' + (index ? '-' + index : '') }, t('distance'),
          h('input', {
            id: 'gc-distance' + (index ? '-' + index : ''), type: 'number', inputmode: 'decimal', min: 0, step: 0.1,
            required: leg.mode !== 'telework', value: leg.distance_km,
            oninput: function (event) { leg.distance_km = event.target.value; }
          })));
    });
    return h('section', { class: 'gc-card', 'aria-labelledby': 'gc-log-title' },
      h('h2', { id: 'gc-log-title' }, t('log_title')),
      h('form', {
        class: 'gc-form', id: 'gc-log', onsubmit: function (event) { event.preventDefault(); saveTrip(); }
      },
        h('label', { class: 'gc-field', for: 'gc-date' }, t('date'),
          h('input', {
            id: 'gc-date', type: 'date', min: campaign.starts_on, max: campaign.ends_on, value: form.date, required: true,
            oninput: function (event) { form.date = event.target.value; }
          })),
        choiceGroup('direction', t('direction'), [
          { value: 'to_work', label: t('to_work') },
          { value: 'from_work', label: t('from_work') },
          { value: 'round_trip', label: t('round_trip') }
        ], form.direction, function (value) { form.direction = value; render(); }),
        legsView,
        form.multi ? h('button', {
          type: 'button', class: 'gc-link-button', id: 'gc-add-leg',
          onclick: function () { form.legs.push({ mode: 'metro', distance_km: '' }); render(); }
        }, t('add_leg')) : null,
        single && isPerVehicle(form.legs[0].mode) ? h('label', { class: 'gc-field', for: 'gc-passengers' }, t('passengers'),
          h('input', {
            id: 'gc-passengers', type: 'number', inputmode: 'numeric', min: 1, max: 9, value: form.passengers,
            oninput: function (event) { form.passengers = event.target.value; }
          })) : null,
        h('label', { class: 'gc-check' },
          h('input', {
            type: 'checkbox', id: 'gc-multi', checked: form.multi,
            onchange: function (event) {
              form.multi = event.target.checked;
              if (!form.multi) form.legs = form.legs.slice(0, 1);
              else if (form.legs.length < 2) form.legs.push({ mode: 'metro', distance_km: '' });
              render();
            }
          }), ' ', t('legs')),
        h('button', { type: 'submit', class: 'gc-button gc-button-wide', id: 'gc-save', disabled: state.busy },
          state.busy ? t('saving_now') : t('save'))),
      result ? resultView(result) : null);
  }

  function resultView(result) {
    if (result.error) {
      var problem = result.error.problem;
      return h('div', { class: 'gc-alert', role: 'alert', id: 'gc-log-error' },
        t('log_failed', { detail: result.error.message }),
        problem && problem.errors ? h('ul', null, problem.errors.map(function (e) {
          return h('li', null, h('code', null, e.field), ': ', e.message);
        })) : null);
    }
    var trip = result.trip;
    var baseline = modeLabel(state.me.campaign.baseline_mode);
    var text = result.duplicate ? t('already_logged')
      : trip.savings_g >= 0 ? t('saved_one', { kg: fmt.kg(trip.savings_g), baseline: baseline })
        : t('saved_more', { kg: fmt.kg(-trip.savings_g), baseline: baseline });
    return h('p', { class: 'gc-success', role: 'status', id: 'gc-log-result' }, text);
  }

  function figuresView() {
    var me = state.me;
    var average = me.organization_savings_per_participant_g;
    var max = Math.max(me.savings_g, average, 1);
    function bar(id, label, grams) {
      return h('div', { class: 'gc-compare-row', id: id },
        h('span', null, label),
        h('span', { class: 'gc-meter', 'aria-hidden': 'true' },
          h('span', { style: null, 'data-width': Math.max(0, Math.round(100 * grams / max)) })),
        h('strong', null, fmt.kg(grams)));
    }
    var section = h('section', { class: 'gc-card', 'aria-labelledby': 'gc-figures-title' },
      h('h2', { id: 'gc-figures-title' }, t('figures_title')),
      h('dl', { class: 'gc-stats gc-stats-3', id: 'gc-my-totals' },
        h('div', { class: 'gc-stat', id: 'gc-my-saved' }, h('dt', null, t('f_saved')), h('dd', null, fmt.kg(me.savings_g))),
        h('div', { class: 'gc-stat', id: 'gc-my-trips' }, h('dt', null, t('f_trips')), h('dd', null, fmt.number(me.trips))),
        h('div', { class: 'gc-stat', id: 'gc-my-days' }, h('dt', null, t('f_days')), h('dd', null, fmt.number(me.by_day.length)))),
      h('div', { class: 'gc-compare' },
        bar('gc-compare-me', me.nickname || me.participant, me.savings_g),
        bar('gc-compare-org', me.organization.name, average)),
      h('p', { class: 'gc-help', id: 'gc-compare-text' },
        t('compare', { kg: fmt.kg(average), participants: fmt.number(me.organization_participants) }),
        me.trips && me.savings_g > average ? ' ' + t('ahead') : ''));
    // Widths are set as properties: the page's policy allows no inline style attributes.
    section.querySelectorAll('[data-width]').forEach(function (el) { el.style.width = el.dataset.width + '%'; });
    return section;
  }

  function calendarView() {
    var campaign = state.me.campaign;
    var logged = {};
    state.me.by_day.forEach(function (d) { logged[d.date] = d; });
    var start = new Date(campaign.starts_on + 'T00:00:00Z');
    var end = new Date(campaign.ends_on + 'T00:00:00Z');
    var days = [];
    // Weeks start on Monday; blank cells before the first day.
    var lead = (start.getUTCDay() + 6) % 7;
    for (var i = 0; i < lead; i++) days.push(h('li', { class: 'gc-day gc-day-blank', 'aria-hidden': 'true' }));
    for (var d = new Date(start); d <= end; d.setUTCDate(d.getUTCDate() + 1)) {
      var iso = d.toISOString().slice(0, 10);
      var entry = logged[iso];
      days.push(h('li', {
        class: 'gc-day' + (entry ? ' gc-day-logged' : ''), 'data-date': iso,
        title: fmt.longDay(iso) + (entry ? ' · ' + fmt.kg(entry.savings_g) + ' kg' : '')
      }, h('span', null, d.getUTCDate()), entry ? h('span', { class: 'gc-sr' }, ' ✓') : null));
    }
    var weekdays = [1, 2, 3, 4, 5, 6, 7].map(function (n) {
      return new Intl.DateTimeFormat(fmt.locale(), { weekday: 'narrow', timeZone: 'UTC' })
        .format(new Date(Date.UTC(2024, 0, n)));
    });
    return h('section', { class: 'gc-card', 'aria-labelledby': 'gc-calendar-title' },
      h('h2', { id: 'gc-calendar-title' }, t('calendar_title')),
      h('ol', { class: 'gc-calendar gc-weekdays', 'aria-hidden': 'true' }, weekdays.map(function (w) { return h('li', null, w); })),
      h('ol', { class: 'gc-calendar', id: 'gc-calendar' }, days),
      h('p', { class: 'gc-help' }, t('calendar_legend')));
  }

  function historyView() {
    var trips = state.trips.slice().sort(function (a, b) { return a.date < b.date ? 1 : a.date > b.date ? -1 : b.id - a.id; });
    return h('section', { class: 'gc-card', 'aria-labelledby': 'gc-history-title' },
      h('h2', { id: 'gc-history-title' }, t('history_title')),
      trips.length ? h('ul', { class: 'gc-history', id: 'gc-history' }, trips.map(function (trip) {
        return h('li', { 'data-trip': trip.id },
          h('span', { class: 'gc-history-when' }, fmt.day(trip.date), ' · ', t(trip.direction)),
          h('span', { class: 'gc-history-what' }, modeLabel(trip.main_mode), ' · ', fmt.number(trip.distance_km, 1), ' km'),
          h('strong', { class: 'gc-history-saved' }, fmt.kg(trip.savings_g), ' kg'),
          h('button', {
            type: 'button', class: 'gc-link-button', id: 'gc-delete-' + trip.id,
            'aria-label': t('delete_label', { date: fmt.longDay(trip.date) }), onclick: function () { deleteTrip(trip); }
          }, t('delete')));
      })) : h('p', { class: 'gc-notice', id: 'gc-history-empty' }, t('history_empty')));
  }

  function deviceView() {
    return h('section', { class: 'gc-card', 'aria-labelledby': 'gc-device-title' },
      h('h2', { id: 'gc-device-title' }, t('device_title')),
      h('p', { class: 'gc-help' }, t('device_intro')),
      state.showToken ? h('p', { class: 'gc-token-row' },
        h('code', { id: 'gc-my-token' }, state.token),
        h('button', {
          type: 'button', class: 'gc-link-button', id: 'gc-copy',
          onclick: function () {
            var done = function () { state.copied = true; render(); };
            if (navigator.clipboard) navigator.clipboard.writeText(state.token).then(done, function () {});
          }
        }, state.copied ? t('device_copied') : t('device_copy')))
        : h('button', {
          type: 'button', class: 'gc-link-button', id: 'gc-show-token',
          onclick: function () { state.showToken = true; render(); }
        }, t('device_show')),
      h('p', null, h('button', {
        type: 'button', class: 'gc-link-button gc-danger', id: 'gc-forget',
        onclick: function () { if (window.confirm(t('forget_confirm'))) forget(null); }
      }, t('forget'))));
  }

  render();
  start();
})();
