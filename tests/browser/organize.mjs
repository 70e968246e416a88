// The coordinators' page in headless Chromium, as a coordinator uses it, in Chinese and English:
// a wrong key is refused; a GB18030 CSV with errors shows every error with its line and stores
// nothing; a GB18030 CSV with Chinese headers and values shows its dry run and is stored; the
// XLSX template downloaded from the page uploads back; a trip is deleted; signing out forgets the
// key. Rendered figures are compared with the API's own answers.
//
// Usage: BASE=http://127.0.0.1:8080 ADMIN_TOKEN=… node tests/browser/organize.mjs
// (CHROMIUM overrides /usr/bin/chromium; OUT is where screenshots go.)

import { base, call, expectStatus, kg, launch, run, waitForText, watchErrors } from './common.mjs';
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'fixtures');
const out = process.env.OUT || join(here, '..', '..', 'target', 'browser-check');
const campaign = 'organize-check';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const KEY_STORE = 'green-commute.organization-key';



/** A fresh organization enrolled in the check's campaign, and its key. */
async function coordinator(id, name) {
  await expectStatus(call('POST', '/v1/organizations', { json: { id, name, kind: 'institution' } }), 201);
  await expectStatus(call('PUT', `/v1/campaigns/${campaign}/organizations/${id}`), 204);
  return (await expectStatus(call('POST', `/v1/organizations/${id}/keys`), 201)).key;
}


const text = (page, selector) => page.locator(selector).innerText();


async function summary(key, organization) {
  return expectStatus(call('GET', `/v1/campaigns/${campaign}/organizations/${organization}/summary`, { token: key }), 200);
}

async function check(browser, lang) {
  const organization = `coordinator-${lang}-${run}`;
  const name = lang === 'zh' ? '湖畔医院' : 'Lakeside Hospital';
  const key = await coordinator(organization, name);
  const context = await browser.newContext({ acceptDownloads: true, locale: lang === 'zh' ? 'zh-CN' : 'en-GB' });
  const page = await context.newPage();
  const problems = watchErrors(page);

  // A wrong key is refused and forgotten.
  await page.goto(`${base}/organize?lang=${lang}`);
  await page.fill('#gc-key', 'gck_not-a-key-at-all-0000000000');
  await page.click('#gc-signin button[type=submit]');
  await page.waitForSelector('#gc-key-error');
  assert.equal(await page.evaluate((k) => sessionStorage.getItem(k), KEY_STORE), null);

  // The right key: the organization by name, its only campaign chosen.
  await page.fill('#gc-key', key);
  await page.click('#gc-signin button[type=submit]');
  await waitForText(page, '#gc-org-name', name);
  await waitForText(page, '#gc-org-trips dd', '0');
  assert.equal(await page.evaluate((k) => sessionStorage.getItem(k), KEY_STORE), key);
  assert.equal(await page.evaluate(() => JSON.stringify(localStorage).includes('gck_')), false, 'never in localStorage');
  assert.ok(!page.url().includes(key), 'never in the URL');

  // A GB18030 CSV with errors: every error with its line, the Chinese quoted back, nothing stored.
  await page.setInputFiles('#gc-file', join(fixtures, 'organize-errors-gb18030.csv'));
  await page.waitForSelector('#gc-errors');
  const errors = await page.$$eval('#gc-errors tbody tr', (rows) => rows.map((row) => ({
    place: row.querySelector('code').textContent, message: row.querySelector('td').textContent
  })));
  assert.deepEqual(errors.map((e) => e.place), ['line 2.distance_km', 'line 3.date', 'line 3.mode']);
  assert.ok(errors[0].message.includes('十二') && errors[2].message.includes('飞机'), JSON.stringify(errors));
  assert.equal(await page.locator('#gc-store').count(), 0, 'no way to store a file with errors');
  assert.equal((await summary(key, organization)).trips, 0);

  // A valid GB18030 CSV: the dry run, as the API computes it, then stored.
  const csv = readFileSync(join(fixtures, 'organize-gb18030.csv'));
  const dryRun = await expectStatus(call('POST', `/v1/campaigns/${campaign}/trips?dry_run=true`,
    { token: key, body: csv, type: 'text/csv' }), 200);
  await page.setInputFiles('#gc-file', join(fixtures, 'organize-gb18030.csv'));
  await page.waitForSelector('#gc-preview');
  const participants = await page.$$eval('#gc-preview tbody tr td:nth-child(2)', (cells) => cells.map((c) => c.textContent));
  assert.deepEqual(participants, ['财务-01', '财务-02', '行政-07']);
  await waitForText(page, '#gc-preview-new dd', '3');
  const saved = dryRun.trips.reduce((sum, trip) => sum + trip.savings_g, 0);
  assert.ok(saved > 0);
  await waitForText(page, '#gc-preview-saved dd', kg(saved, lang));
  assert.ok((await text(page, '#gc-ignored')).includes('部门'));
  assert.equal((await summary(key, organization)).trips, 0, 'the dry run stored nothing');
  await page.click('#gc-store');
  await page.waitForSelector('#gc-stored');
  let stored = await summary(key, organization);
  assert.equal(stored.trips, 3);
  assert.equal(stored.savings_g, saved);
  await waitForText(page, '#gc-org-trips dd', '3');
  await waitForText(page, '#gc-org-saved dd', kg(stored.savings_g, lang));
  assert.equal(await page.locator('#gc-days tbody tr').count(), stored.by_day.length);
  assert.equal(await page.locator('#gc-trips tbody tr').count(), 3);

  // The XLSX template, downloaded from the page, uploads back as it is.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#gc-template-xlsx')]);
  assert.ok(download.suggestedFilename().endsWith('.xlsx'), download.suggestedFilename());
  const template = readFileSync(await download.path());
  await page.setInputFiles('#gc-file', { name: download.suggestedFilename(), mimeType: XLSX, buffer: template });
  await page.waitForSelector('#gc-preview');
  await waitForText(page, '#gc-preview-rows dd', '2');
  await page.click('#gc-store');
  await page.waitForSelector('#gc-stored');
  stored = await summary(key, organization);
  assert.equal(stored.trips, 5);
  await waitForText(page, '#gc-org-trips dd', '5');
  await waitForText(page, '#gc-org-saved dd', kg(stored.savings_g, lang));

  // Uploading the same file again stores nothing new.
  await page.setInputFiles('#gc-file', { name: 'again.xlsx', mimeType: XLSX, buffer: template });
  await page.waitForSelector('#gc-nothing-new');
  await waitForText(page, '#gc-preview-duplicates dd', '2');

  // Deleting a trip: the page and the API agree.
  const first = await page.locator('#gc-trips tbody tr').first().getAttribute('data-trip');
  await page.click(`#gc-delete-${first}`);
  await waitForText(page, '#gc-org-trips dd', '4');
  stored = await summary(key, organization);
  assert.equal(stored.trips, 4);
  await waitForText(page, '#gc-org-saved dd', kg(stored.savings_g, lang));
  await page.screenshot({ path: join(out, `organize-${lang}.png`), fullPage: true });

  // An invite link for members who log themselves, listed with its count, then revoked.
  await page.click('#gc-invite-create');
  await page.waitForSelector('#gc-invite-url');
  const link = await page.locator('#gc-invite-url').innerText();
  assert.match(link, /\/join\/[a-z0-9]{20}$/);
  const joined = await fetch(base + '/v1/join/' + link.split('/join/')[1], { method: 'POST' });
  assert.equal(joined.status, 201);
  await page.selectOption('#gc-campaign', campaign);
  await waitForText(page, '#gc-invites tbody tr td:nth-child(3)', '1');
  await page.click('#gc-invites tbody tr button');
  await waitForText(page, '#gc-invites tbody tr td:nth-child(4)', lang === 'zh' ? '已撤销' : 'revoked');
  assert.equal((await fetch(base + '/v1/join/' + link.split('/join/')[1], { method: 'POST' })).status, 410);

  // Signing out forgets the key.
  await page.click('#gc-signout');
  await page.waitForSelector('#gc-key');
  assert.equal(await page.evaluate((k) => sessionStorage.getItem(k), KEY_STORE), null);
  assert.deepEqual(problems, [], 'no script errors');
  await context.close();
  console.log(`organize (${lang}): errors listed, dry run and totals as the API computes them, template round trip, delete, sign-out`);
}

mkdirSync(out, { recursive: true });
const exists = await call('GET', `/v1/campaigns/${campaign}`);
if (exists.status === 404) {
  await expectStatus(call('POST', '/v1/campaigns', {
    json: { id: campaign, name: 'Organize check 联络人检查', starts_on: '2026-06-01', ends_on: '2026-06-14', region: 'CN-BJ', factor_set: 'cn-2023' }
  }), 201);
}
const browser = await launch();
try {
  for (const lang of ['zh', 'en']) await check(browser, lang);
} finally {
  await browser.close();
}
