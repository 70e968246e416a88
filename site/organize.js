/*
 * Green Commute coordinators' page (/organize). A coordinator pastes the organization key, picks a
 * campaign, downloads the template, drops a spreadsheet, sees the dry run (every row's figures or
 * every error with its cell), then stores it; below, the organization's trips and its days.
 *
 * The key lives in sessionStorage only: it is sent in the Authorization header and never put in a
 * URL, a log or localStorage, so it is gone when the tab closes.
 */
(function () {
  'use strict';

  var kit = GreenCommuteKit;
  var h = kit.h;
  var where = kit.page(document.currentScript);
  var root = where.root;
  var API = where.api;
  var KEY_STORE = 'green-commute.organization-key';
  var PREVIEW_ROWS = 200;
  var TRIPS_PAGE = 100;

  var TEXT = {
    en: {
      brand: 'Green Commute',
      tagline: 'Coordinators’ page',
      language: 'Language',
      campaigns: 'Campaigns',
      api_docs: 'API · Swagger UI',
      title: 'Log your organization’s commutes',
      intro: 'Upload the spreadsheet your members filled in: CSV (any encoding Excel or WPS saves), TSV, XLSX or XLS, with Chinese or English headers. You see every row’s result, or every error with its cell, before anything is stored.',
      key_title: 'Sign in with your organization key',
      key_label: 'Organization key',
      key_help: 'The key your campaign’s organizers gave you (it starts with gck_). It stays in this browser tab only and is forgotten when you close it.',
      key_submit: 'Continue',
      key_checking: 'Checking the key…',
      key_refused: 'This key is not valid: it may be mistyped or revoked.',
      key_not_organization: 'This is not an organization key. Use the key of the organization whose commutes you log.',
      signed_in_as: 'Signed in as',
      sign_out: 'Sign out',
      campaign: 'Campaign',
      choose_campaign: 'Choose a campaign',
      no_campaigns: 'Your organization is not enrolled in any campaign yet. Ask the campaign’s organizers to enroll it.',
      dates: '{from} – {to}',
      step_template: '1. Start from the template',
      template_help: 'The header row and two example rows; the XLSX has a second sheet listing this campaign’s modes and the directions. Extra columns such as a name or a department are ignored and never stored.',
      template_csv: 'Template (CSV)',
      template_xlsx: 'Template (Excel)',
      step_check: '2. Check your file',
      drop: 'Drop a file here, or choose one',
      drop_help: 'CSV, TSV, XLSX or XLS, up to 100,000 rows. Checking stores nothing.',
      choose_file: 'Choose a file',
      unsupported: '“{name}” is not a CSV, TSV, XLSX or XLS file.',
      checking: 'Checking “{name}”…',
      checked: '“{name}”: all {rows} rows are valid.',
      invalid: '“{name}”: {count} problems. Nothing was stored; correct the file and check it again.',
      omitted: 'and {count} more not listed.',
      failed: '“{name}” could not be checked: {detail}',
      p_rows: 'rows',
      p_new: 'new trips',
      p_duplicates: 'already stored',
      p_saved: 'kg CO₂e saved by the new trips',
      ignored: 'Ignored columns (not stored): {columns}',
      showing: 'The first {shown} of {rows} rows.',
      col_row: 'Row',
      col_participant: 'Participant',
      col_date: 'Date',
      col_direction: 'Direction',
      col_mode: 'Main mode',
      col_km: 'km',
      col_co2e: 'CO₂e (kg)',
      col_saved: 'Saved (kg)',
      col_status: 'Status',
      col_place: 'Where',
      col_problem: 'Problem',
      st_new: 'new',
      st_duplicate: 'already stored',
      to_work: 'to work',
      from_work: 'home',
      round_trip: 'round trip',
      step_store: '3. Store the trips',
      store: 'Store {count} trips',
      nothing_new: 'Every row is already stored: there is nothing new to store.',
      storing: 'Storing…',
      stored: 'Stored {accepted} trips ({duplicates} were already stored): {kg} kg CO₂e saved.',
      store_failed: 'Nothing was stored: {detail}',
      trips_title: 'Your trips in this campaign',
      trips_empty: 'No trips logged yet.',
      more: 'Show more',
      delete: 'Delete',
      delete_label: 'Delete trip {id} ({participant}, {date})',
      delete_confirm: 'Delete the trip of {participant} on {date}? The results change at once.',
      delete_failed: 'The trip could not be deleted: {detail}',
      summary_title: 'Your organization’s results',
      s_trips: 'trips',
      s_participants: 'participants',
      s_saved: 'kg CO₂e saved',
      days_title: 'By day',
      col_day: 'Day',
      col_trips: 'Trips',
      load_error: 'Could not load: {detail}',
      invites_title: 'Members who log themselves',
      invites_help: 'An invite link lets your members join this campaign from their phones and log their own commutes, without any name, phone number or e-mail. Their commutes count for your organization.',
      invite_create: 'Create an invite link',
      invite_created: 'Share this link (it is shown only now):',
      invite_copy: 'Copy',
      invite_copied: 'Copied.',
      invites_empty: 'No invite yet.',
      col_invite: 'Invite',
      col_created: 'Created',
      col_joined: 'Joined',
      col_state: 'State',
      inv_open: 'open',
      inv_revoked: 'revoked',
      inv_expired: 'expired',
      inv_full: 'full',
      revoke: 'Revoke',
      revoke_label: 'Revoke invite {hint}…',
      revoke_confirm: 'Revoke this invite? Nobody can join with it any more; members who joined keep logging.',
      joined_total: '{count} members joined by invite.',
      footer: 'Amounts are CO₂-equivalent (CO₂e), computed by the Green Commute API from published emission factors.'
    },
    zh: {
      brand: '绿色出行',
      tagline: '单位联络人页面',
      language: '语言',
      campaigns: '活动',
      api_docs: 'API · Swagger UI',
      title: '登记本单位的通勤记录',
      intro: '上传成员填写的表格：CSV（Excel 或 WPS 保存的任意编码）、TSV、XLSX 或 XLS，表头可用中文或英文。保存之前，您会看到每一行的计算结果，或每个错误所在的单元格。',
      key_title: '使用单位密钥登录',
      key_label: '单位密钥',
      key_help: '活动组织方发给您的密钥（以 gck_ 开头）。它只保存在当前浏览器标签页中，关闭标签页即被清除。',
      key_submit: '继续',
      key_checking: '正在验证密钥…',
      key_refused: '密钥无效：可能输入有误或已被撤销。',
      key_not_organization: '这不是单位密钥。请使用您所登记单位的密钥。',
      signed_in_as: '当前单位',
      sign_out: '退出',
      campaign: '活动',
      choose_campaign: '选择活动',
      no_campaigns: '本单位尚未加入任何活动。请联系活动组织方为本单位报名。',
      dates: '{from} 至 {to}',
      step_template: '1. 下载模板',
      template_help: '模板含表头和两行示例；XLSX 模板的第二个工作表列出本活动的出行方式和方向。姓名、部门等其他列会被忽略，不会保存。',
      template_csv: '模板（CSV）',
      template_xlsx: '模板（Excel）',
      step_check: '2. 检查文件',
      drop: '将文件拖到此处，或选择文件',
      drop_help: 'CSV、TSV、XLSX 或 XLS，最多 100,000 行。检查不会保存任何数据。',
      choose_file: '选择文件',
      unsupported: '“{name}”不是 CSV、TSV、XLSX 或 XLS 文件。',
      checking: '正在检查“{name}”…',
      checked: '“{name}”：全部 {rows} 行有效。',
      invalid: '“{name}”：发现 {count} 个问题。未保存任何数据；请修改文件后重新检查。',
      omitted: '另有 {count} 个问题未列出。',
      failed: '无法检查“{name}”：{detail}',
      p_rows: '行',
      p_new: '条新行程',
      p_duplicates: '条已保存',
      p_saved: '千克 CO₂e（新行程减排量）',
      ignored: '已忽略的列（不保存）：{columns}',
      showing: '显示前 {shown} 行，共 {rows} 行。',
      col_row: '行',
      col_participant: '参与者',
      col_date: '日期',
      col_direction: '方向',
      col_mode: '主要方式',
      col_km: '公里',
      col_co2e: '排放（千克）',
      col_saved: '减排（千克）',
      col_status: '状态',
      col_place: '位置',
      col_problem: '问题',
      st_new: '新',
      st_duplicate: '已保存',
      to_work: '上班',
      from_work: '下班',
      round_trip: '往返',
      step_store: '3. 保存行程',
      store: '保存 {count} 条行程',
      nothing_new: '所有行均已保存，没有新的行程。',
      storing: '正在保存…',
      stored: '已保存 {accepted} 条行程（{duplicates} 条此前已保存），减排 {kg} 千克 CO₂e。',
      store_failed: '未保存任何数据：{detail}',
      trips_title: '本单位在此活动中的行程',
      trips_empty: '尚无行程记录。',
      more: '显示更多',
      delete: '删除',
      delete_label: '删除行程 {id}（{participant}，{date}）',
      delete_confirm: '删除 {participant} 在 {date} 的行程？结果将立即更新。',
      delete_failed: '无法删除该行程：{detail}',
      summary_title: '本单位成果',
      s_trips: '次出行',
      s_participants: '位参与者',
      s_saved: '千克 CO₂e 减排',
      days_title: '按日统计',
      col_day: '日期',
      col_trips: '行程数',
      load_error: '无法加载：{detail}',
      invites_title: '成员自行记录',
      invites_help: '通过邀请链接，成员可以用手机加入本活动并自行记录通勤，无需姓名、手机号或邮箱。他们的通勤计入本单位成果。',
      invite_create: '创建邀请链接',
      invite_created: '请分享此链接（仅显示这一次）：',
      invite_copy: '复制',
      invite_copied: '已复制。',
      invites_empty: '尚无邀请。',
      col_invite: '邀请',
      col_created: '创建时间',
      col_joined: '已加入',
      col_state: '状态',
      inv_open: '有效',
      inv_revoked: '已撤销',
      inv_expired: '已过期',
      inv_full: '已满',
      revoke: '撤销',
      revoke_label: '撤销邀请 {hint}…',
      revoke_confirm: '撤销此邀请？之后无人能再用它加入；已加入的成员可继续记录。',
      joined_total: '已有 {count} 位成员通过邀请加入。',
      footer: '数据为二氧化碳当量（CO₂e），由绿色出行 API 根据公开发布的排放因子计算。'
    }
  };

  var FORMATS = [
    { pattern: /\.csv$/i, type: 'text/csv' },
    { pattern: /\.(tsv|tab|txt)$/i, type: 'text/tab-separated-values' },
    { pattern: /\.xlsx$/i, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
    { pattern: /\.xls$/i, type: 'application/vnd.ms-excel' }
  ];

  var state = {
    lang: kit.initialLanguage(),
    key: readKey(),
    signIn: null,          // null, 'checking', or an error message key
    me: null,              // GET /v1/me of an organization key
    campaignId: new URLSearchParams(location.search).get('campaign'),
    set: null,             // the campaign's factor set, for mode names
    upload: null,          // { file, type, status, result, problem, detail, stored }
    trips: null,
    nextCursor: null,
    summary: null,
    loadError: null,
    notice: null,
    invites: null,
    newInvite: null,
    copied: false
  };
  var t = kit.translator(TEXT, function () { return state.lang; });
  var fmt = kit.formats(function () { return state.lang; });
  var api = kit.client(API, function () { return state.key; });

  function readKey() {
    try { return sessionStorage.getItem(KEY_STORE); } catch (e) { return null; }
  }

  function storeKey(key) {
    try {
      if (key) sessionStorage.setItem(KEY_STORE, key);
      else sessionStorage.removeItem(KEY_STORE);
    } catch (e) { /* without storage the key lasts until the page is left */ }
  }

  function campaignPath() {
    return '/v1/campaigns/' + encodeURIComponent(state.campaignId);
  }

  function organizationPath() {
    return campaignPath() + '/organizations/' + encodeURIComponent(state.me.organization.id);
  }

  function campaign() {
    return state.me && state.me.campaigns.find(function (c) { return c.id === state.campaignId; });
  }

  function modeLabel(mode) {
    var found = state.set && state.set.modes.find(function (m) { return m.mode === mode; });
    return found && found.label ? found.label[state.lang] || found.label.en || mode : mode;
  }

  // ---- signing in ------------------------------------------------------------------------------

  function signIn(key) {
    state.key = key;
    state.signIn = 'checking';
    render();
    api('/v1/me').then(function (me) {
      if (me.role !== 'organization') {
        forget('key_not_organization');
        return;
      }
      storeKey(key);
      state.me = me;
      state.signIn = null;
      if (!campaign()) state.campaignId = me.campaigns.length === 1 ? me.campaigns[0].id : null;
      render();
      loadCampaign();
    }, function (error) {
      if (error.status === 401) {
        forget('key_refused');
      } else {
        // The service may be briefly away: the key stays for the next try.
        state.signIn = { detail: error.message };
        render();
      }
    });
  }

  function forget(reason) {
    storeKey(null);
    state.key = null;
    state.me = null;
    state.signIn = reason;
    state.upload = null;
    state.trips = null;
    state.summary = null;
    render();
  }

  // ---- loading a campaign's figures ------------------------------------------------------------

  function loadCampaign() {
    var chosen = campaign();
    state.upload = null;
    state.invites = null;
    state.newInvite = null;
    state.trips = null;
    state.summary = null;
    state.loadError = null;
    state.set = null;
    syncUrl();
    if (!chosen) {
      render();
      return;
    }
    render();
    api('/v1/factor-sets/' + encodeURIComponent(chosen.factor_set.id)).then(function (set) {
      state.set = set;
      render();
    }, function () { /* mode ids stand in for their names */ });
    loadResults();
  }

  function loadResults() {
    var id = state.campaignId;
    Promise.all([
      api(campaignPath() + '/trips?limit=' + TRIPS_PAGE),
      api(organizationPath() + '/summary'),
      api(organizationPath() + '/invites')
    ]).then(function (results) {
      if (id !== state.campaignId) return;
      state.trips = results[0].trips;
      state.nextCursor = results[0].next_cursor;
      state.summary = results[1];
      state.invites = results[2].invites;
      render();
    }, function (error) {
      if (error.status === 401) return forget('key_refused');
      state.loadError = error.message;
      render();
    });
  }

  function loadMoreTrips() {
    api(campaignPath() + '/trips?limit=' + TRIPS_PAGE + '&cursor=' + encodeURIComponent(state.nextCursor))
      .then(function (page) {
        state.trips = state.trips.concat(page.trips);
        state.nextCursor = page.next_cursor;
        render();
      }, function (error) {
        state.loadError = error.message;
        render();
      });
  }

  function syncUrl() {
    var params = new URLSearchParams(location.search);
    if (state.campaignId) params.set('campaign', state.campaignId);
    else params.delete('campaign');
    var query = params.toString();
    history.replaceState(null, '', location.pathname + (query ? '?' + query : ''));
  }

  // ---- templates and uploads ------------------------------------------------------------------

  function downloadTemplate(extension) {
    var name = state.campaignId + '-' + (state.lang === 'zh' ? '模板' : 'template') + '.' + extension;
    api(campaignPath() + '/trips/template.' + extension + '?lang=' + state.lang, { as: 'blob' })
      .then(function (blob) { kit.save(blob, name); }, function (error) {
        state.notice = t('load_error', { detail: error.message });
        render();
      });
  }

  function chooseFile(file) {
    if (!file) return;
    var format = FORMATS.find(function (f) { return f.pattern.test(file.name); });
    state.upload = { file: file, type: format && format.type, status: format ? 'checking' : 'unsupported' };
    render();
    if (format) send(true);
  }

  /** Sends the chosen file: a dry run first, then for real. */
  function send(dryRun) {
    var upload = state.upload;
    upload.status = dryRun ? 'checking' : 'storing';
    upload.problem = null;
    upload.detail = null;
    render();
    api(campaignPath() + '/trips' + (dryRun ? '?dry_run=true' : ''), {
      method: 'POST', body: upload.file, contentType: upload.type
    }).then(function (result) {
      if (state.upload !== upload) return;
      upload.result = result;
      upload.status = dryRun ? 'checked' : 'stored';
      render();
      if (!dryRun) loadResults();
    }, function (error) {
      if (state.upload !== upload) return;
      if (error.status === 401) return forget('key_refused');
      upload.status = dryRun ? (error.status === 422 ? 'invalid' : 'failed') : 'store_failed';
      upload.problem = error.problem;
      upload.detail = error.message;
      render();
    });
  }

  function createInvite() {
    api(organizationPath() + '/invites', { method: 'POST', json: {} }).then(function (invite) {
      state.newInvite = location.origin + invite.url;
      state.copied = false;
      loadResults();
    }, function (error) {
      state.notice = t('load_error', { detail: error.message });
      render();
    });
  }

  function revokeInvite(invite) {
    if (!window.confirm(t('revoke_confirm'))) return;
    api(organizationPath() + '/invites/' + encodeURIComponent(invite.id), { method: 'DELETE' }).then(loadResults, function (error) {
      state.notice = t('load_error', { detail: error.message });
      render();
    });
  }

  function inviteState(invite) {
    if (invite.revoked_at) return 'inv_revoked';
    if (invite.expires_at && invite.expires_at <= new Date().toISOString()) return 'inv_expired';
    if (invite.max_participants != null && invite.participants >= invite.max_participants) return 'inv_full';
    return 'inv_open';
  }

  function invitesView() {
    var invites = state.invites || [];
    return h('section', { class: 'gc-card', 'aria-labelledby': 'gc-invites-title' },
      h('h2', { id: 'gc-invites-title' }, t('invites_title')),
      h('p', { class: 'gc-help' }, t('invites_help')),
      h('button', { type: 'button', class: 'gc-button', id: 'gc-invite-create', onclick: createInvite }, t('invite_create')),
      state.newInvite ? h('p', { class: 'gc-success', id: 'gc-invite-new' }, t('invite_created'), ' ',
        h('code', { id: 'gc-invite-url' }, state.newInvite), ' ',
        h('button', {
          type: 'button', class: 'gc-link-button', onclick: function () {
            if (navigator.clipboard) navigator.clipboard.writeText(state.newInvite).then(function () { state.copied = true; render(); }, function () {});
          }
        }, state.copied ? t('invite_copied') : t('invite_copy'))) : null,
      state.summary ? h('p', { class: 'gc-meta', id: 'gc-joined' }, t('joined_total', { count: fmt.number(state.summary.joined_by_invite) })) : null,
      invites.length ? h('div', { class: 'gc-table-scroll' },
        h('table', { class: 'gc-table gc-table-compact', id: 'gc-invites' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, t('col_invite')),
            h('th', { scope: 'col' }, t('col_created')),
            h('th', { scope: 'col', class: 'gc-num' }, t('col_joined')),
            h('th', { scope: 'col' }, t('col_state')),
            h('th', { scope: 'col' }, h('span', { class: 'gc-sr' }, t('revoke'))))),
          h('tbody', null, invites.map(function (invite) {
            var status = inviteState(invite);
            return h('tr', { 'data-invite': invite.id },
              h('td', null, h('code', null, invite.code_hint + '…')),
              h('td', null, fmt.day(invite.created_at.slice(0, 10))),
              h('td', { class: 'gc-num' }, fmt.number(invite.participants)),
              h('td', null, t(status)),
              h('td', null, status === 'inv_revoked' ? null : h('button', {
                type: 'button', class: 'gc-link-button', 'aria-label': t('revoke_label', { hint: invite.code_hint }),
                onclick: function () { revokeInvite(invite); }
              }, t('revoke'))));
          })))) : h('p', { class: 'gc-notice' }, t('invites_empty')));
  }

  function deleteTrip(trip) {
    var facts = { id: trip.id, participant: trip.participant, date: fmt.longDay(trip.date) };
    if (!window.confirm(t('delete_confirm', facts))) return;
    api(campaignPath() + '/trips/' + trip.id, { method: 'DELETE' }).then(loadResults, function (error) {
      state.notice = t('delete_failed', { detail: error.message });
      render();
    });
  }

  // ---- page ------------------------------------------------------------------------------------

  function render() {
    root.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
    document.documentElement.lang = root.lang;
    document.title = t('title') + ' · ' + t('brand');
    var focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.id : null;
    root.dataset.state = state.me ? 'signed-in' : 'signed-out';
    root.replaceChildren(
      kit.bar({
        home: '/', brand: t('brand'), tagline: t('tagline'), lang: state.lang,
        languageLabel: t('language'), onLanguage: setLanguage,
        links: [{ href: '/', label: t('campaigns') }, { href: API + '/swagger-ui/', label: t('api_docs') }]
      }),
      h('main', { class: 'gc-body' }, h('div', { class: 'gc-wrap' },
        h('section', { class: 'gc-hero' }, h('h1', null, t('title')), h('p', { class: 'gc-lead' }, t('intro'))),
        state.notice ? h('p', { class: 'gc-card gc-alert', role: 'alert' }, state.notice) : null,
        state.me ? signedInView() : signInView())),
      h('footer', { class: 'gc-footer' }, h('div', { class: 'gc-wrap' }, t('footer'))));
    state.notice = null;
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  }

  function setLanguage(lang) {
    state.lang = lang;
    kit.rememberLanguage(lang);
    render();
  }

  function signInView() {
    var refusal = state.signIn && state.signIn !== 'checking'
      ? (typeof state.signIn === 'string' ? t(state.signIn) : t('load_error', state.signIn)) : null;
    return h('section', { class: 'gc-card', 'aria-labelledby': 'gc-key-title' },
      h('h2', { id: 'gc-key-title' }, t('key_title')),
      h('form', {
        class: 'gc-form gc-key-form', id: 'gc-signin', method: 'post', action: '#', autocomplete: 'off',
        onsubmit: function (event) {
          event.preventDefault();
          var key = document.getElementById('gc-key').value.trim();
          if (key) signIn(key);
        }
      },
        h('label', { class: 'gc-field', for: 'gc-key' }, t('key_label')),
        h('input', {
          id: 'gc-key', type: 'password', name: 'key', required: true, autocomplete: 'off',
          spellcheck: 'false', 'aria-describedby': 'gc-key-help'
        }),
        h('p', { id: 'gc-key-help', class: 'gc-help' }, t('key_help')),
        h('button', { type: 'submit', class: 'gc-button', disabled: state.signIn === 'checking' },
          state.signIn === 'checking' ? t('key_checking') : t('key_submit'))),
      refusal ? h('p', { class: 'gc-alert', role: 'alert', id: 'gc-key-error' }, refusal) : null);
  }

  function signedInView() {
    var org = state.me.organization;
    var chosen = campaign();
    return [
      h('section', { class: 'gc-card gc-org-card' },
        h('p', { class: 'gc-meta' }, t('signed_in_as'), ' ',
          h('strong', { id: 'gc-org-name' }, org.name), ' (', org.id, ')'),
        h('button', { type: 'button', class: 'gc-link-button', id: 'gc-signout', onclick: function () { forget(null); } },
          t('sign_out')),
        state.me.campaigns.length ? h('div', { class: 'gc-controls' },
          h('label', { for: 'gc-campaign' }, t('campaign')),
          h('select', {
            id: 'gc-campaign',
            onchange: function (event) { state.campaignId = event.target.value || null; loadCampaign(); }
          },
            h('option', { value: '' }, t('choose_campaign')),
            state.me.campaigns.map(function (c) {
              return h('option', { value: c.id, selected: c.id === state.campaignId }, c.name);
            })),
          chosen ? h('span', { class: 'gc-meta' },
            t('dates', { from: fmt.longDay(chosen.starts_on), to: fmt.longDay(chosen.ends_on) })) : null)
          : h('p', { class: 'gc-notice', id: 'gc-no-campaigns' }, t('no_campaigns'))),
      chosen ? [templateView(), uploadView(), resultsView(), invitesView()] : null
    ];
  }

  function templateView() {
    return h('section', { class: 'gc-card' },
      h('h2', null, t('step_template')),
      h('p', { class: 'gc-help' }, t('template_help')),
      h('p', { class: 'gc-actions' },
        h('button', { type: 'button', class: 'gc-button', id: 'gc-template-xlsx', onclick: function () { downloadTemplate('xlsx'); } },
          t('template_xlsx')),
        ' ',
        h('button', { type: 'button', class: 'gc-button gc-button-quiet', id: 'gc-template-csv', onclick: function () { downloadTemplate('csv'); } },
          t('template_csv'))));
  }

  function uploadView() {
    var input = h('input', {
      id: 'gc-file', type: 'file', class: 'gc-sr',
      accept: '.csv,.tsv,.txt,.xlsx,.xls,text/csv,text/tab-separated-values,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.ms-excel',
      onchange: function (event) { chooseFile(event.target.files[0]); }
    });
    var zone = h('label', {
      class: 'gc-drop', id: 'gc-drop', for: 'gc-file',
      ondragover: function (event) { event.preventDefault(); zone.classList.add('gc-drop-over'); },
      ondragleave: function () { zone.classList.remove('gc-drop-over'); },
      ondrop: function (event) {
        event.preventDefault();
        zone.classList.remove('gc-drop-over');
        chooseFile(event.dataTransfer.files[0]);
      }
    },
      h('strong', null, t('drop')),
      h('span', { class: 'gc-help' }, t('drop_help')),
      h('span', { class: 'gc-button gc-button-quiet', 'aria-hidden': 'true' }, t('choose_file')));
    return [
      h('section', { class: 'gc-card', 'aria-labelledby': 'gc-check-title' },
        h('h2', { id: 'gc-check-title' }, t('step_check')),
        input, zone,
        checkView()),
      state.upload && (state.upload.status === 'checked' || state.upload.status === 'storing'
        || state.upload.status === 'stored' || state.upload.status === 'store_failed') ? storeView() : null
    ];
  }

  function checkView() {
    var upload = state.upload;
    if (!upload) return null;
    var name = upload.file.name;
    var status = function (text, kind) {
      return h('p', { id: 'gc-check-status', class: kind === 'bad' ? 'gc-alert' : 'gc-notice', role: kind === 'bad' ? 'alert' : 'status' }, text);
    };
    if (upload.status === 'unsupported') return status(t('unsupported', { name: name }), 'bad');
    if (upload.status === 'checking') return status(t('checking', { name: name }));
    if (upload.status === 'failed') return status(t('failed', { name: name, detail: upload.detail }), 'bad');
    if (upload.status === 'invalid') return errorsView(upload);
    var result = upload.result;
    return [
      status(t('checked', { name: name, rows: fmt.number(result.trips.length) })),
      previewTotals(result),
      result.ignored_columns && result.ignored_columns.length
        ? h('p', { class: 'gc-help', id: 'gc-ignored' }, t('ignored', { columns: result.ignored_columns.join(', ') })) : null,
      previewTable(result)
    ];
  }

  function savedByNew(result) {
    return result.trips.reduce(function (sum, trip) { return trip.duplicate ? sum : sum + trip.savings_g; }, 0);
  }

  function previewTotals(result) {
    function stat(id, value, label) {
      return h('div', { class: 'gc-stat', id: id }, h('dt', null, label), h('dd', null, value));
    }
    return h('dl', { class: 'gc-stats', id: 'gc-preview-totals' },
      stat('gc-preview-rows', fmt.number(result.trips.length), t('p_rows')),
      stat('gc-preview-new', fmt.number(result.accepted), t('p_new')),
      stat('gc-preview-duplicates', fmt.number(result.duplicates), t('p_duplicates')),
      stat('gc-preview-saved', fmt.kg(savedByNew(result)), t('p_saved')));
  }

  function previewTable(result) {
    var shown = result.trips.slice(0, PREVIEW_ROWS);
    return h('div', { class: 'gc-table-scroll' },
      h('table', { class: 'gc-table gc-table-compact', id: 'gc-preview' },
        shown.length < result.trips.length
          ? h('caption', null, t('showing', { shown: fmt.number(shown.length), rows: fmt.number(result.trips.length) })) : null,
        h('thead', null, h('tr', null,
          h('th', { scope: 'col', class: 'gc-num' }, t('col_row')),
          h('th', { scope: 'col' }, t('col_participant')),
          h('th', { scope: 'col' }, t('col_date')),
          h('th', { scope: 'col' }, t('col_direction')),
          h('th', { scope: 'col', class: 'gc-num' }, t('col_co2e')),
          h('th', { scope: 'col', class: 'gc-num' }, t('col_saved')),
          h('th', { scope: 'col' }, t('col_status')))),
        h('tbody', null, shown.map(function (trip, i) {
          return h('tr', { class: trip.duplicate ? 'gc-duplicate' : null },
            h('td', { class: 'gc-num' }, i + 1),
            h('td', null, trip.participant),
            h('td', null, fmt.day(trip.date)),
            h('td', null, t(trip.direction)),
            h('td', { class: 'gc-num' }, fmt.kg(trip.co2e_g)),
            h('td', { class: 'gc-num' }, fmt.kg(trip.savings_g)),
            h('td', null, trip.duplicate ? t('st_duplicate') : t('st_new')));
        }))));
  }

  function errorsView(upload) {
    var problem = upload.problem || {};
    var errors = problem.errors || [];
    var count = errors.length + (problem.errors_omitted || 0);
    return [
      h('p', { id: 'gc-check-status', class: 'gc-alert', role: 'alert' },
        t('invalid', { name: upload.file.name, count: fmt.number(count || 1) })),
      errors.length ? h('div', { class: 'gc-table-scroll' },
        h('table', { class: 'gc-table gc-table-compact', id: 'gc-errors' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, t('col_place')),
            h('th', { scope: 'col' }, t('col_problem')))),
          h('tbody', null, errors.map(function (error) {
            return h('tr', null, h('th', { scope: 'row' }, h('code', null, error.field)), h('td', null, error.message));
          })))) : h('p', null, upload.detail),
      problem.errors_omitted ? h('p', { class: 'gc-help' }, t('omitted', { count: fmt.number(problem.errors_omitted) })) : null
    ];
  }

  function storeView() {
    var upload = state.upload;
    var result = upload.result;
    var body;
    if (upload.status === 'stored') {
      body = h('p', { id: 'gc-stored', class: 'gc-notice', role: 'status' }, t('stored', {
        accepted: fmt.number(result.accepted), duplicates: fmt.number(result.duplicates), kg: fmt.kg(savedByNew(result))
      }));
    } else if (result.accepted === 0) {
      body = h('p', { class: 'gc-notice', id: 'gc-nothing-new' }, t('nothing_new'));
    } else {
      body = [
        h('button', {
          type: 'button', class: 'gc-button', id: 'gc-store', disabled: upload.status === 'storing',
          onclick: function () { send(false); }
        }, upload.status === 'storing' ? t('storing') : t('store', { count: fmt.number(result.accepted) })),
        upload.status === 'store_failed'
          ? h('p', { class: 'gc-alert', role: 'alert', id: 'gc-store-error' }, t('store_failed', { detail: upload.detail })) : null
      ];
    }
    return h('section', { class: 'gc-card' }, h('h2', null, t('step_store')), body);
  }

  function resultsView() {
    if (state.loadError) {
      return h('p', { class: 'gc-card gc-alert', role: 'alert' }, t('load_error', { detail: state.loadError }));
    }
    if (!state.summary) return h('p', { class: 'gc-card gc-notice', role: 'status' }, '…');
    var summary = state.summary;
    function stat(id, value, label) {
      return h('div', { class: 'gc-stat', id: id }, h('dt', null, label), h('dd', null, value));
    }
    return [
      h('section', { class: 'gc-card', 'aria-labelledby': 'gc-summary-title' },
        h('h2', { id: 'gc-summary-title' }, t('summary_title')),
        h('dl', { class: 'gc-stats', id: 'gc-org-totals' },
          stat('gc-org-trips', fmt.number(summary.trips), t('s_trips')),
          stat('gc-org-participants', fmt.number(summary.participants), t('s_participants')),
          stat('gc-org-saved', fmt.kg(summary.savings_g), t('s_saved'))),
        summary.by_day.length ? [
          h('h3', null, t('days_title')),
          h('div', { class: 'gc-table-scroll' },
            h('table', { class: 'gc-table gc-table-compact', id: 'gc-days' },
              h('thead', null, h('tr', null,
                h('th', { scope: 'col' }, t('col_day')),
                h('th', { scope: 'col', class: 'gc-num' }, t('col_trips')),
                h('th', { scope: 'col', class: 'gc-num' }, t('col_saved')))),
              h('tbody', null, summary.by_day.map(function (day) {
                return h('tr', { 'data-date': day.date },
                  h('th', { scope: 'row' }, fmt.longDay(day.date)),
                  h('td', { class: 'gc-num' }, fmt.number(day.trips)),
                  h('td', { class: 'gc-num' }, fmt.kg(day.savings_g)));
              }))))
        ] : null),
      tripsView()
    ];
  }

  function tripsView() {
    var trips = state.trips || [];
    return h('section', { class: 'gc-card', 'aria-labelledby': 'gc-trips-title' },
      h('h2', { id: 'gc-trips-title' }, t('trips_title')),
      trips.length ? h('div', { class: 'gc-table-scroll' },
        h('table', { class: 'gc-table gc-table-compact', id: 'gc-trips' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, t('col_date')),
            h('th', { scope: 'col' }, t('col_participant')),
            h('th', { scope: 'col' }, t('col_direction')),
            h('th', { scope: 'col' }, t('col_mode')),
            h('th', { scope: 'col', class: 'gc-num' }, t('col_km')),
            h('th', { scope: 'col', class: 'gc-num' }, t('col_saved')),
            h('th', { scope: 'col' }, h('span', { class: 'gc-sr' }, t('delete'))))),
          h('tbody', null, trips.map(function (trip) {
            var facts = { id: trip.id, participant: trip.participant, date: fmt.longDay(trip.date) };
            return h('tr', { 'data-trip': trip.id },
              h('td', null, fmt.day(trip.date)),
              h('td', null, trip.participant),
              h('td', null, t(trip.direction)),
              h('td', null, modeLabel(trip.main_mode)),
              h('td', { class: 'gc-num' }, fmt.number(trip.distance_km, 1)),
              h('td', { class: 'gc-num' }, fmt.kg(trip.savings_g)),
              h('td', null, h('button', {
                type: 'button', class: 'gc-link-button', id: 'gc-delete-' + trip.id,
                'aria-label': t('delete_label', facts), onclick: function () { deleteTrip(trip); }
              }, t('delete'))));
          })))) : h('p', { class: 'gc-notice', id: 'gc-trips-empty' }, t('trips_empty')),
      state.nextCursor ? h('button', { type: 'button', class: 'gc-button gc-button-quiet', id: 'gc-more', onclick: loadMoreTrips },
        t('more')) : null);
  }

  render();
  if (state.key) signIn(state.key);
})();
