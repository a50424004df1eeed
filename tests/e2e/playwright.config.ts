// End-to-end tests: Debian's Chromium (never a downloaded browser) against
// the built server, with a real SMTP server (MailDev) catching the mail.
import { defineConfig, devices } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const serverPort = Number(process.env.TPO_E2E_PORT ?? 3311);
export const smtpPort = serverPort + 1;
export const mailApiPort = serverPort + 2;
export const baseURL = `http://127.0.0.1:${serverPort}`;
export const mailApi = `http://127.0.0.1:${mailApiPort}`;
export const biometricPort = serverPort + 3;
const biometricToken = 'token-uji-biometrik';
export const serverBin =
  process.env.TPO_SERVER_BIN ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(repoRoot, 'target'), 'debug', 'server');
export const serverEnv: Record<string, string> = {
  TPO_BIND_ADDR: `127.0.0.1:${serverPort}`,
  TPO_DATA_DIR: process.env.TPO_E2E_DATA_DIR ?? path.join(os.tmpdir(), `tpo-e2e-${serverPort}`),
  TPO_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  TPO_MAIL_FROM: 'Helpdesk BSrE <helpdesk@bsre.go.id>',
  TPO_RATE_LIMIT_PER_MINUTE: '1000',
  // Every selfie is scored by the fake biometric service started below.
  TPO_FACE_MATCH: 'http',
  TPO_FACE_MATCH_URL: `http://127.0.0.1:${biometricPort}/`,
  TPO_FACE_MATCH_TOKEN: biometricToken,
  // The page-weight check (scripts/page-weight.sh) serves the release site instead.
  TPO_SITE_ROOT: process.env.TPO_E2E_SITE_ROOT ?? path.join(repoRoot, 'target', 'site'),
  RUST_LOG: process.env.RUST_LOG ?? 'warn',
};

// Chromium's fake camera plays this portrait (public domain, see
// tests/fixtures/README.md); its MJPEG reader takes a single JPEG frame.
export const facePhoto = path.join(repoRoot, 'tests', 'fixtures', 'astronaut.jpg');
const fakeCamera = path.join(os.tmpdir(), 'tpo-e2e-camera.mjpeg');
fs.copyFileSync(facePhoto, fakeCamera);

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // A fake camera for "Ambil Foto"; permission is granted (or not) per test.
  '--use-fake-device-for-media-stream',
  `--use-file-for-fake-video-capture=${fakeCamera}`,
];

export default defineConfig({
  testDir: './specs',
  fullyParallel: true,
  workers: 2,
  retries: 0,
  timeout: 60_000,
  // The debug wasm takes seconds to start on a busy 2-core machine; hydration
  // waits use this default.
  expect: { timeout: 20_000 },
  reporter: [['list']],
  // The settings spec changes what every test sees: it runs alone, last.
  projects: [
    { name: 'journeys', testIgnore: /settings\.spec\.ts/ },
    { name: 'settings', testMatch: /settings\.spec\.ts/, dependencies: ['journeys'] },
  ],
  use: {
    ...devices['Pixel 7'],
    baseURL,
    locale: 'id-ID',
    timezoneId: 'Asia/Jakarta',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
  },
  webServer: [
    {
      command: `node fake-biometric.mjs ${biometricPort} ${biometricToken}`,
      env: { FAKE_BIOMETRIC_DEFAULT: '0.93' },
      port: biometricPort,
      reuseExistingServer: false,
      timeout: 10_000,
    },
    {
      command: `node_modules/.bin/maildev --smtp ${smtpPort} --web ${mailApiPort} --ip 127.0.0.1 --web-ip 127.0.0.1`,
      url: `${mailApi}/api/email`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `"${serverBin}" run`,
      cwd: repoRoot,
      env: serverEnv,
      url: `${baseURL}/readyz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
    },
  ],
});
