/*
 * Green Commute page kit: what the service's own pages share (building elements, calling the API
 * with a credential, the language choice, number and date formats). Plain JavaScript, no build
 * step, no third-party code. Defines one global, GreenCommuteKit.
 */
var GreenCommuteKit = (function () {
  'use strict';

  var LANG_KEY = 'green-commute.lang';
  var SVG = 'http://www.w3.org/2000/svg';

  /** Builds an HTML element: h('p', { class: 'x', onclick: f }, 'text', child, [more]). */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    setAttributes(el, attrs);
    appendChildren(el, Array.prototype.slice.call(arguments, 2));
    return el;
  }

  function setAttributes(el, attrs) {
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value == null || value === false) return;
      if (name.slice(0, 2) === 'on') el.addEventListener(name.slice(2), value);
      else if (name === 'value' && 'value' in el && el.namespaceURI !== SVG) el.value = value;
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

  /** The language asked for (?lang=), else the one chosen before, else the browser's. */
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

  function rememberLanguage(lang) {
    try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* the choice lasts for this visit */ }
  }

  /** A translator over { en: {...}, zh: {...} } for the language `lang()` returns. */
  function translator(texts, lang) {
    return function (key, values) {
      var text = texts[lang()][key];
      if (text == null) text = texts.en[key] != null ? texts.en[key] : key;
      return text.replace(/\{(\w+)\}/g, function (_, name) {
        return values && values[name] != null ? values[name] : '';
      });
    };
  }

  /** Number and date formats for a language. */
  function formats(lang) {
    var locale = function () { return lang() === 'zh' ? 'zh-CN' : 'en-GB'; };
    function number(value, digits) {
      return new Intl.NumberFormat(locale(), {
        minimumFractionDigits: digits || 0,
        maximumFractionDigits: digits || 0
      }).format(value);
    }
    function day(text, options) {
      var p = text.split('-');
      var date = new Date(Date.UTC(+p[0], +p[1] - 1, +p[2]));
      return new Intl.DateTimeFormat(locale(), Object.assign({ timeZone: 'UTC' }, options)).format(date);
    }
    return {
      locale: locale,
      number: number,
      /** Kilograms from grams: whole kg from 100 kg on, one decimal below. */
      kg: function (grams) {
        var value = grams / 1000;
        return number(value, Math.abs(value) >= 100 ? 0 : 1);
      },
      day: function (text) { return day(text, { year: 'numeric', month: 'short', day: 'numeric' }); },
      longDay: function (text) { return day(text, { year: 'numeric', month: 'long', day: 'numeric' }); }
    };
  }

  /**
   * An API client for `base`. `credential()` gives the bearer token to send, if any. Each call
   * resolves with the parsed JSON (or a Blob when `as: 'blob'`) and rejects with an Error that
   * carries `status` and the problem document.
   */
  function client(base, credential) {
    base = String(base || '').replace(/\/+$/, '');
    return function call(path, options) {
      options = options || {};
      var headers = { Accept: options.as === 'blob' ? '*/*' : 'application/json' };
      var token = credential && credential();
      if (token) headers.Authorization = 'Bearer ' + token;
      var init = { method: options.method || 'GET', credentials: 'omit', headers: headers };
      if (options.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(options.json);
      } else if (options.body !== undefined) {
        headers['Content-Type'] = options.contentType;
        init.body = options.body;
      }
      return fetch(base + path, init).then(function (response) {
        if (response.ok && options.as === 'blob') return response.blob();
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
    };
  }

  /** Saves a Blob under a file name, as a download. */
  function save(blob, name) {
    var url = URL.createObjectURL(blob);
    var link = h('a', { href: url, download: name, hidden: true });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  /**
   * The bar every page opens with: the brand (a link home), links, and the language switch.
   * `o`: { home, brand, tagline, links: [{ href, label }], lang, languageLabel, onLanguage }.
   */
  function bar(o) {
    function choice(lang, label) {
      return h('button', {
        type: 'button', id: 'gc-lang-' + lang, class: 'gc-lang', lang: lang === 'zh' ? 'zh-CN' : 'en',
        'aria-pressed': o.lang === lang ? 'true' : 'false',
        onclick: function () { if (lang !== o.lang) o.onLanguage(lang); }
      }, label);
    }
    return h('header', { class: 'gc-bar' },
      h('div', { class: 'gc-wrap gc-bar-inner' },
        h('a', { class: 'gc-brand', href: o.home },
          h('span', { class: 'gc-logo', 'aria-hidden': 'true' }),
          h('span', null, h('strong', null, o.brand), h('small', null, o.tagline))),
        h('div', { class: 'gc-bar-tools' },
          (o.links || []).map(function (link) {
            return h('a', { class: 'gc-bar-link', href: link.href }, link.label);
          }),
          h('div', { class: 'gc-langs', role: 'group', 'aria-label': o.languageLabel },
            choice('zh', '中文'), choice('en', 'EN')))));
  }

  /**
   * Where a page script renders and which API it speaks to: the `#green-commute` container and
   * the `data-api` of its script tag (empty: the page's own origin).
   */
  function page(script) {
    script = script || document.querySelector('script[data-api]');
    return {
      root: document.getElementById('green-commute'),
      api: String((script && script.dataset.api) || '').replace(/\/+$/, '')
    };
  }

  return {
    h: h,
    page: page,
    bar: bar,
    initialLanguage: initialLanguage,
    rememberLanguage: rememberLanguage,
    translator: translator,
    formats: formats,
    client: client,
    save: save
  };
})();
