// Helpers the specs share: accounts made with the server's own CLI, TOTP
// codes computed from a key the way an authenticator app does, and the
// MailDev inbox.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { expect } from '@playwright/test';
import { mailApi, repoRoot, serverBin, serverEnv } from './playwright.config';

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
