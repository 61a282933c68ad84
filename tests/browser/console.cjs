// The console (daemon/edge/console.c) in headless Chromium, driven by puppeteer-core: what a
// clerk does with it on a phone and at a desk. Run by tests/integration/test-console-browser.sh,
// which starts dutyd and passes, in the environment:
//   CONSOLE_URL   the console's address (dutyctl console-link)
//   OCC           an overdue occurrence to record; OTHER_OCC one that stays overdue
//   PERSON, PERSON_NAME, NOTE, DATE   what the form is filled with
//   EVIDENCE      a file to attach (a PDF)
//   ARTIFACTS     where the screenshots go (console-{phone,desktop}-*.png)
//   DOWNLOADS     where the xlsx report is downloaded to
//   NO_SANDBOX    set when running as root (Chromium refuses its sandbox then)
// Prints TAP lines without numbers ("ok - …", "not ok - …", "# …"), which the shell test
// counts as its own; exits non-zero when a step could not run at all.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const puppeteer = require('puppeteer-core');

const env = (k) => {
  const v = process.env[k];
  if (v === undefined || v === '') throw new Error(`${k} is not set`);
  return v;
};
const E = {};

let failed = 0;
function check(name, cond, diag) {
  if (cond) {
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name}`);
    if (diag !== undefined) console.log(`# ${String(diag).replace(/\n/g, '\n# ')}`);
  }
  return cond;
}
const PHONE = { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { width: 1280, height: 800, deviceScaleFactor: 1 };
const NAV_TIMEOUT = 15000;

async function shot(page, name) {
  await page.screenshot({ path: path.join(E.ARTIFACTS, `console-${name}.png`), fullPage: true });
}

// The page body must fit the phone's width: laid out at 390 CSS px (a viewport meta, not a
// 980 px desktop layout zoomed out) and no wider than that (a wide table scrolls inside its
// own wrapper, div.scroll).
async function checkPhoneWidth(page, what) {
  const m = await page.evaluate(() => ({
    client: document.documentElement.clientWidth,
    doc: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    inner: window.innerWidth,
  }));
  check(`phone, ${what}: laid out at the phone's width (390 px)`, m.client === 390, JSON.stringify(m));
  check(`phone, ${what}: the page body does not scroll horizontally`,
    m.doc <= m.client && m.body <= m.client, JSON.stringify(m));
}

// The same page: the same address but for its query and percent-encoding (the colons of an
// occurrence's id may be encoded or not).
function samePage(a, b) {
  const path = (u) => { const x = new URL(u); return decodeURIComponent(x.origin + x.pathname); };
  return path(a) === path(b);
}

// What a page says, for a diagnostic.
async function bodyText(page) {
  return page.$eval('body', (b) => b.innerText.slice(0, 300)).catch((e) => String(e));
}

async function rows(page) {
  return page.$$eval('#occurrences tr[data-occ]', (trs) =>
    trs.map((tr) => ({ occ: tr.dataset.occ, state: tr.dataset.state })));
}

async function clickAndWait(page, selector) {
  const [resp] = await Promise.all([
    page.waitForNavigation({ timeout: NAV_TIMEOUT }),
    page.click(selector),
  ]);
  return resp;
}

// 1 and 2: the overview at phone size, the overdue occurrence opened from it, the form filled
// and submitted with a PDF attached. Without JavaScript: the console must work without it.
async function phone(browser) {
  const page = await browser.newPage();
  await page.setJavaScriptEnabled(false);
  await page.setViewport(PHONE);
  const resp = await page.goto(E.CONSOLE_URL, { timeout: NAV_TIMEOUT });
  check('phone: the overview answers 200', resp && resp.status() === 200,
    resp && `${resp.status()}: ${await bodyText(page)}`);
  await shot(page, 'phone-overview');
  await checkPhoneWidth(page, 'overview');
  const wrapped = await page.$('div.scroll #occurrences');
  check('phone: the table sits in its own scrolling wrapper (div.scroll)', wrapped !== null);
  const r = await rows(page);
  const row = r.find((x) => x.occ === E.OCC);
  check(`the overview lists ${E.OCC} as overdue`, row && row.state === 'overdue', JSON.stringify(r));

  const link = `#occurrences tr[data-occ="${E.OCC}"] a.record`;
  const occUrl = new URL(`occ/${E.OCC}`, E.CONSOLE_URL).href;
  const occResp = await clickAndWait(page, link);
  check('phone: the occurrence page answers 200', occResp && occResp.status() === 200,
    occResp && `${occResp.status()}: ${await bodyText(page)}`);
  check('phone: the record link leads to occ/OCCURRENCE', samePage(page.url(), occUrl), page.url());
  await shot(page, 'phone-occurrence');
  await checkPhoneWidth(page, 'occurrence page');

  const form = '#record';
  const multipart = await page.$eval(form, (f) => [f.method, f.enctype]);
  check('the record form posts multipart/form-data', multipart[0] === 'post' &&
    multipart[1] === 'multipart/form-data', multipart.join(' '));
  check('the record form carries a CSRF token',
    (await page.$eval(`${form} input[name="csrf"]`, (i) => i.type === 'hidden' && i.value !== '')));
  await page.select(`${form} select[name="person"]`, E.PERSON);
  // A date input is typed in the browser's locale's order; the value is what is posted.
  await page.$eval(`${form} input[name="date"]`, (i, d) => { i.value = d; }, E.DATE);
  await page.type(`${form} textarea[name="note"]`, E.NOTE);
  const file = await page.$(`${form} input[name="evidence"][type="file"]`);
  await file.uploadFile(E.EVIDENCE);
  const picked = await page.$eval(`${form} input[name="evidence"]`, (i) =>
    Array.from(i.files).map((f) => `${f.name} ${f.size}`));
  check('the PDF is attached to the file input', picked.length === 1, picked.join(', '));
  await shot(page, 'phone-filled');

  const done = await clickAndWait(page, `${form} button[type="submit"]`);
  check('submitting lands on a page that answers 200', done && done.status() === 200,
    done && `${done.status()}: ${await bodyText(page)}`);
  const chain = done ? done.request().redirectChain().map((q) => q.response().status()) : [];
  check('the POST is answered with 303 (no resubmission on reload)', chain[0] === 303,
    JSON.stringify(chain));
  check('… back on the occurrence page', samePage(page.url(), occUrl), page.url());
  await shot(page, 'phone-recorded');
  const result = await page.$eval('#result', (p) => [p.className, p.textContent]).catch(() => null);
  check('the result says 已记录', result && result[0].split(/\s+/).includes('ok') &&
    result[1].trim().startsWith('已记录'), JSON.stringify(result));
  const name = path.basename(E.EVIDENCE);
  const items = await page.$$eval('#history li', (lis) => lis.map((li) => ({
    text: li.textContent,
    files: Array.from(li.querySelectorAll('a.evidence')).map((a) => [a.textContent.trim(),
      a.getAttribute('href'), a.href]),
  })));
  const entry = items.find((i) => i.text.includes(E.NOTE));
  check('the history shows the completion with its note', entry !== undefined, JSON.stringify(items));
  if (!entry) return page;
  check('… its person', entry.text.includes(E.PERSON_NAME), entry.text);
  check('… its date', entry.text.includes(E.DATE), entry.text);
  const ev = entry.files.find((f) => f[0] === name);
  check('… and the evidence file by its name', ev !== undefined, JSON.stringify(entry.files));
  if (!ev) return page;
  const sha = crypto.createHash('sha256').update(fs.readFileSync(E.EVIDENCE)).digest('hex');
  check('the evidence link is ../evidence/SHA256 of the file', ev[1] === `../evidence/${sha}`, ev[1]);
  // The file behind the link (fetched by node: the page's policy allows no script to).
  const back = await fetch(ev[2]);
  const got = crypto.createHash('sha256').update(Buffer.from(await back.arrayBuffer())).digest('hex');
  check('the evidence link serves the very file', back.status === 200 && got === sha,
    `${back.status} ${back.headers.get('content-type')} ${got}`);
  return page;
}

// 1 and 4: the overview at a desk, filtered, and the xlsx report downloaded by its link.
async function desktop(browser) {
  const page = await browser.newPage();
  await page.setViewport(DESKTOP);
  await page.goto(E.CONSOLE_URL, { timeout: NAV_TIMEOUT });
  await shot(page, 'desktop-overview');
  const r = await rows(page);
  // Met late, October's checkpoint is either gone from the overview (this period's and the
  // unmet ones of the last twelve months) or shown as late.
  const row = r.find((x) => x.occ === E.OCC);
  check(`desktop: ${E.OCC} is no longer overdue`, !row || row.state === 'late', JSON.stringify(r));

  await page.select('#filters select[name="state"]', 'overdue');
  const submit = await page.$('#filters button, #filters input[type="submit"]');
  if (check('the filter form has a submit button (it works without JavaScript)', submit !== null)) {
    await Promise.all([page.waitForNavigation({ timeout: NAV_TIMEOUT }), submit.click()]);
    const f = await rows(page);
    check('state=overdue: the filter is a GET (the address says it)',
      new URL(page.url()).searchParams.get('state') === 'overdue', page.url());
    check('state=overdue: only overdue rows', f.length > 0 && f.every((x) => x.state === 'overdue'),
      JSON.stringify(f));
    check('state=overdue: the other overdue occurrence, not the recorded one',
      f.some((x) => x.occ === E.OTHER_OCC) && !f.some((x) => x.occ === E.OCC), JSON.stringify(f));
    await shot(page, 'desktop-overdue');
  }

  // The download: Chromium saves it to DOWNLOADS; its events say when it is complete.
  const cdp = await browser.target().createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: E.DOWNLOADS,
    eventsEnabled: true });
  let name = null;
  let timer;
  const finished = new Promise((resolve) => {
    timer = setTimeout(() => resolve('not finished in 15 s'), 15000);
    cdp.on('Browser.downloadWillBegin', (e) => { name = e.suggestedFilename; });
    cdp.on('Browser.downloadProgress', (e) => {
      if (e.state === 'completed' || e.state === 'canceled') resolve(e.state);
    });
  });
  const href = await page.$eval('#download-xlsx', (a) => a.getAttribute('href'));
  check('the xlsx link is report.xlsx?year=YYYY', /^report\.xlsx\?year=\d{4}$/.test(href), href);
  // A link that answers with a page (an error) navigates instead of downloading.
  const navigated = page.waitForNavigation({ timeout: 15000 }).then(
    async (resp) => `a page instead: ${resp && resp.status()} ${await bodyText(page)}`,
    () => 'no page either');
  await page.click('#download-xlsx');
  const state = await Promise.race([finished, navigated]);
  clearTimeout(timer);
  check('the xlsx report downloads', state === 'completed', state);
  check('… as a .xlsx file', name !== null && name.endsWith('.xlsx'), name);
  if (name) fs.writeFileSync(path.join(E.DOWNLOADS, '.name'), name);
  return page;
}

(async () => {
  for (const k of ['CONSOLE_URL', 'OCC', 'OTHER_OCC', 'PERSON', 'PERSON_NAME', 'NOTE', 'DATE',
    'EVIDENCE', 'ARTIFACTS', 'DOWNLOADS'])
    E[k] = env(k);
  const args = ['--lang=zh-CN'];
  if (process.env.NO_SANDBOX) args.push('--no-sandbox');
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args,
    timeout: 30000,
  });
  const pkg = path.join(__dirname, 'node_modules', 'puppeteer-core', 'package.json');
  console.log(`# ${await browser.version()}, puppeteer-core ${JSON.parse(fs.readFileSync(pkg)).version}`);
  try {
    await phone(browser);
    await desktop(browser);
  } finally {
    await browser.close();
  }
  process.exitCode = failed ? 1 : 0;
})().catch((e) => {
  console.log(`not ok - the browser session ran to its end\n# ${String(e.stack || e).replace(/\n/g, '\n# ')}`);
  process.exitCode = 2;
});
