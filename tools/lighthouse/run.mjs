// Lighthouse 12 on the signer pages of a running server (started by
// scripts/lighthouse.sh): the helpdesk and login pages, and an identity
// check and an OTP setup page reached through real mailed links. Mobile
// preset (Lighthouse's default), simulated throttling, Debian's Chromium;
// three runs per page, the median run (Lighthouse's own choice of median)
// printed with its performance and accessibility scores, LCP and TBT.
//
//   node run.mjs BASE_URL SERVER_BIN OUTBOX_DIR PHOTO REPORT_DIR [RUNS]
// The server's CLI (create-signer, create-admin) runs with the caller's
// environment, so it reaches the same database.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { computeMedianRun } from 'lighthouse/core/lib/median-run.js';

const [baseUrl, serverBin, outboxDir, photo, reportDir, runsArg] = process.argv.slice(2);
if (!reportDir) {
  console.error('usage: node run.mjs BASE_URL SERVER_BIN OUTBOX_DIR PHOTO REPORT_DIR [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg ?? 3);
const here = path.dirname(new URL(import.meta.url).pathname);
// The flags the end-to-end tests use (tests/e2e/playwright.config.ts).
const chromeFlags = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
].join(' ');

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as an authenticator app computes it. */
function totp(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...secret.replace(/[\s=]/g, '').toUpperCase()]
    .map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0'))
    .join('');
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000)));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
}

function cli(args) {
  return JSON.parse(execFileSync(serverBin, [...args, '--json'], { encoding: 'utf8' }).trim());
}

/** A client that keeps its cookies, like a browser tab. */
function client() {
  const jar = new Map();
  return async (url, init = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(new URL(url, baseUrl), { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    if (response.status >= 400) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
    return response;
  };
}

const form = (fields) => ({ method: 'POST', body: new URLSearchParams(fields) });

/** Waits for a mail to `to` in the outbox and returns its first link under `prefix`. */
async function mailedLink(to, prefix) {
  for (let i = 0; i < 120; i++) {
    for (const file of fs.existsSync(outboxDir) ? fs.readdirSync(outboxDir) : []) {
      // Quoted-printable: soft line breaks and =XX escapes.
      const text = fs.readFileSync(path.join(outboxDir, file), 'latin1')
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
      if (!text.includes(to)) continue;
      const link = text.match(new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}[A-Za-z0-9_-]+`));
      if (link) return link[0];
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no mail to ${to} with a link under ${prefix} in ${outboxDir}`);
}

/** A verified signer with one device files a Permohonan OTP; returns the ticket number and the identity-check link. */
async function otpRequest() {
  const tag = crypto.randomBytes(4).toString('hex');
  const email = `lighthouse.${tag}@instansi.go.id`;
  const nik = `3273${String(10 + crypto.randomInt(20))}0101${String(60 + crypto.randomInt(30))}${String(1000 + crypto.randomInt(8999))}`;
  const name = 'Jackie Chandra';
  cli(['create-signer', '--email', email, '--name', name, '--nik', nik, '--phone', '081234567890',
    '--agency', 'Dinas Uji Coba', '--password', `sandi-${tag}`, '--status', 'verified', '--device-name', 'Hp Lama']);
  const browser = client();
  await browser('/api/helpdesk/check', form({ email }));
  const submitted = await browser('/api/helpdesk/submit', form({ category: 'otp_request', full_name: name, nik }));
  const { number } = await submitted.json();
  return { email, number, link: await mailedLink(email, `${baseUrl}/verifikasi/`) };
}

/** The "Atur Perangkat OTP" link of an approved request. */
async function setupLink() {
  const { email, number, link } = await otpRequest();
  const body = new FormData();
  body.set('consent', 'ya');
  body.set('photo', new Blob([fs.readFileSync(photo)], { type: 'image/jpeg' }), 'swafoto.jpg');
  await client()(`${link}/foto`, { method: 'POST', body, headers: { accept: 'application/json' } });

  const tag = crypto.randomBytes(4).toString('hex');
  const verifier = cli(['create-admin', '--role', 'verifier', '--email', `verifikator.${tag}@bsre.go.id`,
    '--name', 'Verifikator Uji', '--password', `sandi-${tag}`]);
  const staff = client();
  await staff('/api/login/password', form({ email: `verifikator.${tag}@bsre.go.id`, password: `sandi-${tag}` }));
  await staff('/api/login/code', form({ code: totp(verifier.devices[0].secret) }));
  const queue = await (await staff('/api/staff/review/queue', { method: 'POST' })).json();
  const item = queue.find((i) => i.ticket_number === number);
  if (!item) throw new Error(`ticket ${number} is not in the review queue`);
  await staff('/api/staff/review/approve', form({ ticket_id: item.ticket_id }));
  return mailedLink(email, `${baseUrl}/otp/atur/`);
}

function lighthouse(url, out) {
  execFileSync(path.join(here, 'node_modules', '.bin', 'lighthouse'), [
    url, '--quiet', '--output=json', `--output-path=${out}`,
    '--only-categories=performance,accessibility', `--chrome-flags=${chromeFlags}`,
  ], { env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH ?? '/usr/bin/chromium' }, stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}

// Each page with a phrase its server-rendered HTML must hold, so that an
// error page (an expired link, say) is never what gets scored.
const pages = [
  ['helpdesk', `${baseUrl}/helpdesk`, 'Helpdesk'],
  ['login', `${baseUrl}/login`, 'Masuk'],
  ['identity check', (await otpRequest()).link, 'Pengecekan Data Diri'],
  ['OTP setup', await setupLink(), 'Instal aplikasi Authenticator'],
];
fs.mkdirSync(reportDir, { recursive: true });
const rows = [];
let version = '';
for (const [name, url, phrase] of pages) {
  const html = await (await client()(url)).text();
  if (!html.includes(phrase)) throw new Error(`${url} is not the ${name} page (no "${phrase}"): ${html.slice(0, 500)}`);
  const results = [];
  for (let i = 0; i < runs; i++) results.push(lighthouse(url, path.join(reportDir, `${name.replace(' ', '-')}-${i + 1}.json`)));
  const median = computeMedianRun(results);
  version = median.lighthouseVersion;
  const score = (category) => Math.round(median.categories[category].score * 100);
  const failed = Object.values(median.audits)
    .filter((a) => median.categories.accessibility.auditRefs.some((r) => r.id === a.id && r.weight > 0) && a.score === 0)
    .map((a) => a.id);
  rows.push({
    page: name,
    performance: score('performance'),
    lcp_s: +(median.audits['largest-contentful-paint'].numericValue / 1000).toFixed(2),
    tbt_ms: Math.round(median.audits['total-blocking-time'].numericValue),
    accessibility: score('accessibility'),
    performance_runs: results.map((r) => Math.round(r.categories.performance.score * 100)).join('/'),
    accessibility_failures: failed.join(' ') || '-',
  });
}
console.log(`Lighthouse ${version} (mobile, simulated throttling), median of ${runs} runs; reports in ${reportDir}`);
console.table(rows);
