// A member joins from an invite link and logs their commutes on a 360×740 phone screen, in
// Chinese and in English: the invite shows the organization, one tap joins, the page moves to /me
// (the code and the token out of the address bar), two commutes are logged in a few taps, a
// reload shows them with the saving the API computed, the last mode and distance are
// remembered, and nothing overflows the screen.
//
// Usage: BASE=http://127.0.0.1:8080 ADMIN_TOKEN=… node tests/browser/participant.mjs
// (CHROMIUM overrides /usr/bin/chromium; OUT is where screenshots go.)

import { base, call, expectStatus, kg, launch, run, waitForText, watchErrors } from './common.mjs';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.env.OUT || join(here, '..', '..', 'target', 'browser-check');
const campaign = 'participant-check';
const TOKEN_STORE = 'green-commute.participant-token';





async function assertFitsTheScreen(page, where) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${where}: the page is ${overflow}px wider than the screen`);
}

async function check(browser, lang) {
  const organization = `residents-${lang}-${run}`;
  const name = lang === 'zh' ? '阳光社区' : 'Sunny Residents';
  await expectStatus(call('POST', '/v1/organizations', { json: { id: organization, name, kind: 'community' } }), 201);
  await expectStatus(call('PUT', `/v1/campaigns/${campaign}/organizations/${organization}`), 204);
  const invite = await expectStatus(call('POST', `/v1/campaigns/${campaign}/organizations/${organization}/invites`, { json: {} }), 201);

  const context = await browser.newContext({
    viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: lang === 'zh' ? 'zh-CN' : 'en-GB', timezoneId: 'Asia/Shanghai'
  });
  const page = await context.newPage();
  const problems = watchErrors(page);

  // The invite link: where it leads, one tap to join, then /me.
  await page.goto(`${base}${invite.url}?lang=${lang}`);
  await page.waitForSelector('#gc-join-button');
  assert.ok((await page.locator('#gc-join-title').innerText()).includes(name));
  await assertFitsTheScreen(page, 'join');
  await page.screenshot({ path: join(out, `join-${lang}.png`) });
  await page.fill('#gc-nickname', lang === 'zh' ? '小林' : 'Lin');
  await page.click('#gc-join-button');
  await page.waitForURL(/\/me(\?|$)/);
  await page.waitForSelector('#gc-log');
  const token = await page.evaluate((k) => localStorage.getItem(k), TOKEN_STORE);
  assert.ok(token && token.startsWith('gcp_'), 'the token is kept on the device');
  assert.ok(!page.url().includes(token) && !page.url().includes(invite.code), 'neither code nor token in the URL');

  // Two commutes in a few taps: bicycle 4 km to work, metro 9 km home (the same day).
  await page.fill('#gc-date', '2026-06-03');
  await page.click('#gc-direction-to_work');
  await page.click('#gc-mode-bicycle');
  await page.fill('#gc-distance', '4');
  await page.click('#gc-save');
  await page.waitForSelector('#gc-log-result');
  await waitForText(page, '#gc-my-trips dd', '1');
  assert.equal(await page.getAttribute('#gc-direction-from_work', 'aria-pressed'), 'true', 'the way home comes next');
  await page.click('#gc-mode-metro');
  await page.fill('#gc-distance', '9');
  await page.click('#gc-save');
  await waitForText(page, '#gc-my-trips dd', '2');

  // A reload: the commutes, the day and the saving, as the API has them.
  await page.reload();
  await page.waitForSelector('#gc-history li');
  const me = await expectStatus(call('GET', '/v1/me', { token }), 200);
  assert.equal(me.trips, 2);
  assert.equal(me.nickname, lang === 'zh' ? '小林' : 'Lin');
  await waitForText(page, '#gc-my-saved dd', kg(me.savings_g, lang));
  assert.equal(await page.locator('#gc-history li').count(), 2);
  assert.equal(await page.locator('#gc-calendar .gc-day-logged').count(), 1);
  assert.equal(await page.locator('#gc-calendar .gc-day-logged').getAttribute('data-date'), '2026-06-03');
  assert.equal(await page.getAttribute('#gc-mode-metro', 'aria-pressed'), 'true', 'the last mode is remembered');
  assert.equal(await page.inputValue('#gc-distance'), '9', 'the last distance is remembered');
  const summary = await expectStatus(call('GET', `/v1/campaigns/${campaign}/organizations/${organization}/summary`), 200);
  assert.equal(summary.savings_g, me.savings_g, 'the commutes count for the organization');
  assert.equal(summary.joined_by_invite, 1);
  await assertFitsTheScreen(page, 'me');
  await page.screenshot({ path: join(out, `me-${lang}.png`), fullPage: true });

  // The code for another device, shown only on request.
  assert.equal(await page.locator('#gc-my-token').count(), 0);
  await page.click('#gc-show-token');
  assert.equal(await page.locator('#gc-my-token').innerText(), token);
  assert.deepEqual(problems, [], 'no script errors');
  await context.close();
  console.log(`participant (${lang}, 360×740): joined from the invite, two commutes logged, reloaded, figures as the API computes them`);
}

mkdirSync(out, { recursive: true });
if ((await call('GET', `/v1/campaigns/${campaign}`)).status === 404) {
  await expectStatus(call('POST', '/v1/campaigns', {
    json: { id: campaign, name: 'Green commuting fortnight 绿色出行双周', starts_on: '2026-06-01', ends_on: '2026-06-14', region: 'CN-BJ', factor_set: 'cn-2023' }
  }), 201);
}
const browser = await launch();
try {
  for (const lang of ['zh', 'en']) await check(browser, lang);
} finally {
  await browser.close();
}
