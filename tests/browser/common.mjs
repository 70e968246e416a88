// What the browser tests share: calling the API as the admin or with a key, formatting kilograms
// as the pages do, waiting for a rendered text, and launching the system's Chromium.

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

export const base = (process.env.BASE || 'http://127.0.0.1:8080').replace(/\/+$/, '');
export const adminToken = process.env.ADMIN_TOKEN;
assert.ok(adminToken, 'ADMIN_TOKEN is required');

/** Fresh ids each run, so that a check can run again against the same service. */
export const run = Date.now().toString(36);

/** Calls the API (as the admin unless `token` says otherwise): `{ status, json }`. */
export async function call(method, path, { token = adminToken, json, body, type } = {}) {
  const headers = { Authorization: `Bearer ${token}` };
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  if (body !== undefined) headers['Content-Type'] = type;
  const response = await fetch(base + path, {
    method, headers, body: json !== undefined ? JSON.stringify(json) : body
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

/** The JSON of a call that must answer `status`. */
export async function expectStatus(promise, status) {
  const response = await promise;
  assert.equal(response.status, status, JSON.stringify(response.json));
  return response.json;
}

/** Kilograms from grams as the pages write them: whole kg from 100 kg on, one decimal below. */
export function kg(grams, lang) {
  const value = grams / 1000;
  const digits = Math.abs(value) >= 100 ? 0 : 1;
  return new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {
    minimumFractionDigits: digits, maximumFractionDigits: digits
  }).format(value);
}

/** Waits until `selector`'s text is `expected`, or fails saying what it was. */
export async function waitForText(page, selector, expected) {
  await page.waitForFunction(
    ([s, e]) => document.querySelector(s) && document.querySelector(s).textContent.trim() === e,
    [selector, expected], { timeout: 15000 }
  ).catch(async () => {
    const found = await page.locator(selector).count() ? await page.locator(selector).innerText() : '(absent)';
    throw new Error(`${selector}: expected “${expected}”, found “${found}”`);
  });
}

/** Collects script errors of a page; Chromium's console lines for 4xx answers are left out (the
 * tests check those answers themselves). */
export function watchErrors(page) {
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('dialog', (dialog) => dialog.accept());
  return problems;
}

/** The system's Chromium, headless (CHROMIUM overrides /usr/bin/chromium). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu']
  });
}
