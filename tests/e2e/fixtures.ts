// Helpers the specs share: accounts made with the server's own CLI, TOTP
// codes computed from a key the way an authenticator app does, and the
// MailDev inbox.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { expect, request, type Page } from '@playwright/test';
import { baseURL, facePhoto, mailApi, repoRoot, serverBin, serverEnv } from './playwright.config';

export type Device = { name: string; secret: string; otpauth_uri: string };
export type Account = { id: string; email: string; password: string; name: string; nik: string; phone: string; devices: Device[] };

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | BASE32.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238: HMAC-SHA1, 6 digits, 30-second steps. */
export function totp(secret: string, offsetSteps = 0, at = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30) + offsetSteps));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return code.toString().padStart(6, '0');
}

/** Waits until the next 30-second period has at least `margin` seconds left. */
export async function freshPeriod(margin = 8): Promise<void> {
  const left = 30 - (Math.floor(Date.now() / 1000) % 30);
  if (left < margin) await new Promise((r) => setTimeout(r, left * 1000 + 300));
}

function randomNik(): string {
  const two = (n: number) => n.toString().padStart(2, '0');
  const day = 1 + crypto.randomInt(28);
  const month = 1 + crypto.randomInt(12);
  const year = crypto.randomInt(60, 99);
  const serial = (1 + crypto.randomInt(9998)).toString().padStart(4, '0');
  return `3273${two(1 + crypto.randomInt(30))}${two(day)}${two(month)}${two(year)}${serial}`;
}

export function runCli(args: string[]): string {
  return execFileSync(serverBin, args, { cwd: repoRoot, env: { ...process.env, ...serverEnv }, encoding: 'utf8' });
}

/** A signer created with `server create-signer`, with devices oldest first. */
export function createSigner(options: { devices?: string[]; status?: string; name?: string } = {}): Account {
  const tag = crypto.randomBytes(5).toString('hex');
  const email = `e2e.${tag}@instansi.go.id`;
  const password = `sandi-${tag}`;
  const name = options.name ?? 'Jackie Chandra';
  const nik = randomNik();
  const phone = `0812${crypto.randomInt(10_000_000, 99_999_999)}`;
  const args = ['create-signer', '--json', '--email', email, '--name', name, '--nik', nik, '--phone', phone,
    '--agency', 'Dinas Uji Coba', '--password', password, '--status', options.status ?? 'verified'];
  for (const device of options.devices ?? ['Hp Lama']) args.push('--device-name', device);
  const created = JSON.parse(runCli(args).trim());
  return { id: created.id, email, password, name, nik, phone, devices: created.devices };
}

/** Staff made with `server create-admin --role verifier|admin`. */
export function createStaff(role: 'verifier' | 'admin'): Account {
  const tag = crypto.randomBytes(5).toString('hex');
  const email = `${role}.${tag}@bsre.go.id`;
  const password = `sandi-${tag}`;
  const name = role === 'admin' ? 'Admin Uji' : 'Verifikator Uji';
  const created = JSON.parse(
    runCli(['create-admin', '--json', '--role', role, '--email', email, '--name', name, '--password', password]).trim(),
  );
  return { id: created.id, email, password, name, nik: '', phone: '', devices: created.devices };
}

export function createVerifier(): Account {
  return createStaff('verifier');
}

/** Email, password and a fresh code on the login page of `page`. */
export async function logInInBrowser(page: Page, account: Account): Promise<void> {
  await page.goto(`${baseURL}/login`);
  // The debug wasm can take more than the default 10 s to start on a busy machine.
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
  await page.getByLabel('Email dinas').fill(account.email);
  await page.locator('#password').fill(account.password);
  await page.getByRole('button', { name: 'Lanjut' }).click();
  await freshPeriod();
  await page.getByLabel('Kode OTP').fill(totp(account.devices[0].secret));
  await page.getByRole('button', { name: 'Masuk', exact: true }).click();
}

/** Sends the test portrait to an identity-check link as the camera page does, consent given. */
export async function uploadSelfie(link: string): Promise<void> {
  const api = await request.newContext({ baseURL });
  const uploaded = await api.post(`${link}/foto`, {
    headers: { accept: 'application/json' },
    multipart: {
      consent: 'ya',
      photo: { name: 'swafoto.jpg', mimeType: 'image/jpeg', buffer: fs.readFileSync(facePhoto) },
    },
  });
  expect(uploaded.ok(), await uploaded.text()).toBeTruthy();
}

/** An API client with its own cookies, logged in with email, password and a code. */
export async function loggedInApi(account: Account) {
  const api = await request.newContext({ baseURL });
  await api.post('/api/login/password', { form: { email: account.email, password: account.password } });
  await freshPeriod();
  const response = await api.post('/api/login/code', { form: { code: totp(account.devices[0].secret) } });
  expect(response.ok()).toBeTruthy();
  return api;
}

/** Files a Permohonan OTP through the helpdesk API; returns the ticket number and the mailed link. */
export async function requestOtp(signer: Account): Promise<{ number: string; link: string }> {
  const api = await request.newContext({ baseURL });
  expect((await api.post('/api/helpdesk/check', { form: { email: signer.email } })).ok()).toBeTruthy();
  const submitted = await api.post('/api/helpdesk/submit', {
    form: { category: 'otp_request', full_name: signer.name, nik: signer.nik },
    maxRedirects: 0,
  });
  const { number } = await submitted.json();
  const mail = await waitForMail(signer.email, `#${number}`);
  return { number, link: linkIn(mail, `${baseURL}/verifikasi/`) };
}

/** Counts the page's camera requests (`getUserMedia`) in `window.cameraRequests`. */
export async function countCameraRequests(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { cameraRequests: number };
    w.cameraRequests = 0;
    const devices = navigator.mediaDevices;
    if (!devices) return;
    const original = devices.getUserMedia.bind(devices);
    devices.getUserMedia = (constraints?: MediaStreamConstraints) => {
      w.cameraRequests += 1;
      return original(constraints);
    };
  });
}

export async function cameraRequests(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { cameraRequests: number }).cameraRequests);
}

/** Request, selfie (uploaded like the camera page does) and approval: the "Atur Perangkat OTP" link. */
export async function approvedSetupLink(signer: Account): Promise<string> {
  const { number, link } = await requestOtp(signer);
  await uploadSelfie(link);
  return approve(signer, number);
}

/** A verifier approves the selfie of ticket `number` through the staff API; returns the mailed setup link. */
export async function approve(signer: Account, number: string): Promise<string> {
  const staff = await loggedInApi(createVerifier());
  const queue: { ticket_id: string; ticket_number: string }[] = await (await staff.post('/api/staff/review/queue')).json();
  const item = queue.find((i) => i.ticket_number === number)!;
  expect((await staff.post('/api/staff/review/approve', { form: { ticket_id: item.ticket_id } })).ok()).toBeTruthy();
  return linkIn(await waitForMail(signer.email, 'Perbarui Akun Anda'), `${baseURL}/otp/atur/`);
}

type Mail = { id: string; subject: string; text: string; html: string; to: { address: string }[] };

/** Waits for a mail to `to` whose subject contains `subject`. */
export async function waitForMail(to: string, subject: string): Promise<Mail> {
  let found: Mail | undefined;
  await expect
    .poll(
      async () => {
        const response = await fetch(`${mailApi}/api/email`);
        const mails: Mail[] = await response.json();
        found = mails.find((m) => m.to.some((t) => t.address === to) && m.subject.includes(subject));
        return found !== undefined;
      },
      { timeout: 30_000, intervals: [250, 500, 1000] },
    )
    .toBe(true);
  return found!;
}

/** The first link in a mail's text that starts with `prefix`. */
export function linkIn(mail: Mail, prefix: string): string {
  const link = mail.text.split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no link starting with ${prefix} in: ${mail.text}`);
  return link;
}

export { expect };
