// Every signer page on the wire, as a phone on a mobile network gets it:
// first load with an empty cache (HTML, CSS, JS, wasm and every chunk the
// page loads until the network is idle) and a repeat visit (only the
// no-store HTML; assets come from the cache without revalidation).
import { test, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import fs from 'node:fs';
import { approvedSetupLink, createSigner, logInInBrowser, requestOtp, totp } from '../fixtures';

// The first-load budget is 200 KB (issue 13), set by scripts/page-weight.sh.
const FIRST_LOAD_CEILING = Number(process.env.TPO_PAGE_WEIGHT_CEILING_KB) * 1024;
const REPEAT_VISIT_BUDGET = 10 * 1024;

type Transfer = { url: string; bytes: number; status: number; encoding: string; fromCache: boolean };
type Row = { page: string; first: Transfer[]; repeat: Transfer[] };

/** Bytes on the wire per request (headers and body as received), from Chromium's network log. */
async function recordTransfers(page: Page): Promise<Transfer[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  const byId = new Map<string, Transfer>();
  const transfers: Transfer[] = [];
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.url.startsWith('data:')) return;
    const t = { url: e.request.url, bytes: 0, status: 0, encoding: '', fromCache: false };
    byId.set(e.requestId, t);
    transfers.push(t);
  });
  cdp.on('Network.requestServedFromCache', (e) => {
    const t = byId.get(e.requestId);
    if (t) t.fromCache = true;
  });
  cdp.on('Network.responseReceived', (e) => {
    const t = byId.get(e.requestId);
    if (!t) return;
    t.status = e.response.status;
    t.fromCache ||= Boolean(e.response.fromDiskCache || e.response.fromPrefetchCache);
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    t.encoding = headers['content-encoding'] ?? '';
  });
  cdp.on('Network.loadingFinished', (e) => {
    const t = byId.get(e.requestId);
    if (t) t.bytes = e.encodedDataLength;
  });
  return transfers;
}

/** Opens `url` and waits until the app is live and nothing more is loading. */
async function visit(page: Page, url: string): Promise<Transfer[]> {
  const transfers = await recordTransfers(page);
  await page.goto(url);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.waitForLoadState('networkidle');
  return transfers;
}

/** A browser with an empty cache that asks for Brotli (Chromium only offers it over https). */
async function freshContext(browser: Browser, storageState?: Awaited<ReturnType<BrowserContext['storageState']>>) {
  return browser.newContext({ extraHTTPHeaders: { 'accept-encoding': 'gzip, deflate, br' }, storageState });
}

async function measure(browser: Browser, name: string, url: string, storageState?: Awaited<ReturnType<BrowserContext['storageState']>>, then?: (page: Page) => Promise<void>) {
  const context = await freshContext(browser, storageState);
  const page = await context.newPage();
  const first = await visit(page, url);
  if (then) {
    await then(page);
    await page.waitForLoadState('networkidle');
  }
  const other = await context.newPage();
  await other.goto('about:blank');
  await page.close();
  const repeat = await visit(other, url);
  await context.close();
  record({ page: name, first, repeat });
  return { first, repeat };
}

test.beforeAll(() => {
  expect(FIRST_LOAD_CEILING, 'TPO_PAGE_WEIGHT_CEILING_KB (set by scripts/page-weight.sh)').toBeGreaterThan(0);
});

const sum = (transfers: Transfer[]) => transfers.reduce((n, t) => n + t.bytes, 0);

function check({ first, repeat }: { first: Transfer[]; repeat: Transfer[] }, name: string) {
  const listing = (ts: Transfer[]) => ts.map((t) => `  ${t.status} ${t.bytes} ${t.encoding || '-'}${t.fromCache ? ' (cache)' : ''} ${t.url}`).join('\n');
  // Text assets come compressed with Brotli, as precompressed at build time.
  for (const t of first) {
    if (/\.(js|css|wasm|html)$/.test(new URL(t.url).pathname) || t.url === first[0].url) {
      expect(t.encoding, `${name}: ${t.url} not Brotli-compressed\n${listing(first)}`).toBe('br');
    }
  }
  // A repeat visit fetches the page itself and nothing else from the network.
  const fetched = repeat.filter((t) => !t.fromCache && t.bytes > 0);
  expect(fetched.map((t) => new URL(t.url).pathname), `${name}: repeat visit\n${listing(repeat)}`).toHaveLength(1);
  expect(sum(first), `${name}: first load over its ceiling\n${listing(first)}`).toBeLessThanOrEqual(FIRST_LOAD_CEILING);
  expect(sum(repeat), `${name}: repeat visit over budget\n${listing(repeat)}`).toBeLessThanOrEqual(REPEAT_VISIT_BUDGET);
}

/**
 * One JSON line per page in TPO_PAGE_WEIGHT_ROWS, for scripts/page-weight.sh
 * to print as a table: a page over budget fails its test (and Playwright
 * restarts the worker), the table still lists every page.
 */
function record(row: Row) {
  const line = {
    page: row.page,
    first_load: sum(row.first),
    first_requests: row.first.length,
    repeat_visit: sum(row.repeat),
    repeat_requests: row.repeat.filter((t) => !t.fromCache).length,
  };
  const file = process.env.TPO_PAGE_WEIGHT_ROWS;
  if (file) fs.appendFileSync(file, JSON.stringify(line) + '\n');
  else console.log(JSON.stringify(line));
}

test('helpdesk', async ({ browser }) => {
  check(await measure(browser, '/helpdesk', '/helpdesk'), '/helpdesk');
});

test('helpdesk general-question form', async ({ browser }) => {
  const signer = createSigner();
  const name = '/helpdesk (pertanyaan umum)';
  const measured = await measure(browser, name, '/helpdesk', undefined, async (page) => {
    await page.getByLabel('Email dinas').fill(signer.email);
    await page.getByRole('button', { name: 'Periksa' }).click();
    await page.getByLabel('Kategori').selectOption('general_question');
    await expect(page.getByLabel('Pesan')).toBeVisible();
  });
  check(measured, name);
});

test('identity check', async ({ browser }) => {
  const { link } = await requestOtp(createSigner());
  check(await measure(browser, '/verifikasi/:token', link), '/verifikasi/:token');
});

test('OTP setup', async ({ browser }) => {
  const link = await approvedSetupLink(createSigner());
  check(await measure(browser, '/otp/atur/:token', link), '/otp/atur/:token');
});

test('login', async ({ browser }) => {
  check(await measure(browser, '/login', '/login'), '/login');
});

test('unlock link', async ({ browser }) => {
  // The page and its button are the same for any token; pressing it is what counts.
  check(await measure(browser, '/buka-kunci', '/buka-kunci?token=bukan-token-yang-sah'), '/buka-kunci');
});

test('account', async ({ browser }) => {
  const signer = createSigner();
  const login = await browser.newContext();
  const page = await login.newPage();
  await logInInBrowser(page, signer);
  await expect(page).toHaveURL(/\/akun$/);
  const state = await login.storageState();
  await login.close();
  check(await measure(browser, '/akun', '/akun', state), '/akun');
});

test('account, add a device', async ({ browser }) => {
  const signer = createSigner({ devices: ['Hp Lama', 'Tablet'] });
  const login = await browser.newContext();
  const page = await login.newPage();
  await logInInBrowser(page, signer);
  await expect(page).toHaveURL(/\/akun$/);
  // The step-up with the other device's code opens the page.
  await page.getByLabel('Kode OTP perangkat lama').fill(totp(signer.devices[1].secret));
  await page.getByRole('button', { name: 'Konfirmasi' }).click();
  await expect(page.getByRole('link', { name: 'Lanjut tambah perangkat' })).toBeVisible();
  const state = await login.storageState();
  await login.close();
  check(await measure(browser, '/akun/perangkat-baru', '/akun/perangkat-baru', state), '/akun/perangkat-baru');
});
