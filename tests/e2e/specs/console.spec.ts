// The staff console in Chromium: a verifier compares the selfie with the
// reference and a score, rejects and approves; an admin answers a question,
// suspends an account, removes a device and imports signers from AMS.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type Page } from '@playwright/test';
import {
  approvedSetupLink,
  createSigner,
  createStaff,
  expect,
  linkIn,
  logInInBrowser,
  requestOtp,
  runCli,
  uploadSelfie,
  waitForMail,
} from '../fixtures';
import { baseURL, facePhoto } from '../playwright.config';

// The console is used on tablets and desktops.
test.use({ viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false });

async function staffPage(page: Page, role: 'verifier' | 'admin') {
  const staff = createStaff(role);
  await logInInBrowser(page, staff);
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('heading', { name: 'Dasbor' })).toBeVisible();
  return staff;
}

/** A link of the console's navigation. */
function nav(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Navigasi konsol petugas' }).getByRole('link', { name, exact: true });
}

/** Searches accounts with the console's form (a page load, then hydration). */
async function searchAccounts(page: Page, text: string) {
  await page.getByLabel('Cari email, nama, atau NIK').fill(text);
  await page.getByRole('button', { name: 'Cari' }).click();
  await expect(page).toHaveURL(/\/admin\/akun\?q=/);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** Opens one request in the review, as the queue's link does. */
async function openReview(page: Page, number: string) {
  await page.goto(`${baseURL}/admin/verifikasi?tiket=${number}`);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  const card = page.locator(`article[data-ticket="${number}"]`);
  await expect(card).toBeVisible();
  return card;
}

async function imageShown(page: Page, alt: string) {
  const image = page.getByAltText(alt);
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  return image;
}

test('a verifier compares selfie and reference with a score, and approves from the keyboard', async ({ page }) => {
  const signer = createSigner();
  runCli(['set-reference-photo', '--email', signer.email, '--consent-at-registration', facePhoto]);
  const { number, link } = await requestOtp(signer);
  await uploadSelfie(link);

  await staffPage(page, 'verifier');
  const card = await openReview(page, number);
  const selfie = await imageShown(page, `Swafoto untuk tiket #${number}`);
  const reference = await imageShown(page, `Foto referensi ${signer.name}`);
  const [a, b] = [await selfie.boundingBox(), await reference.boundingBox()];
  expect(Math.round(a!.width)).toBe(Math.round(b!.width));
  expect(Math.round(a!.height)).toBe(Math.round(b!.height));
  expect(Math.abs(a!.y - b!.y)).toBeLessThan(2);
  // The fake biometric service scores every selfie 0.93.
  await expect(card).toContainText('93% (cocok) · Layanan verifikasi biometrik');
  await expect(page.getByText('Pintasan papan ketik')).toBeVisible();

  await page.keyboard.press('s');
  await expect(card.getByRole('button', { name: 'Setujui' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(card).toHaveCount(0);
  await waitForMail(signer.email, 'Perbarui Akun Anda');
});

test('a rejected selfie is retaken through Pengecekan Ulang and then approved', async ({ page }) => {
  const signer = createSigner();
  const { number, link } = await requestOtp(signer);
  await uploadSelfie(link);

  await staffPage(page, 'verifier');
  let card = await openReview(page, number);
  await card.getByLabel('Alasan penolakan (dikirim ke signer)').fill('Wajah tertutup masker; ambil ulang tanpa masker.');
  await card.getByRole('button', { name: 'Tolak' }).click();
  await expect(card).toHaveCount(0);

  const mail = await waitForMail(signer.email, `Pengecekan Ulang Data Diri tiket #${number}`);
  expect(mail.text).toContain('Wajah tertutup masker');
  await uploadSelfie(linkIn(mail, `${baseURL}/verifikasi/`));

  card = await openReview(page, number);
  await expect(card).toContainText('Ditolak');
  await expect(card).toContainText('Wajah tertutup masker');
  await card.getByRole('button', { name: 'Setujui' }).click();
  await expect(card).toHaveCount(0);
  await waitForMail(signer.email, 'Perbarui Akun Anda');
});

test('an admin answers a general question and the answer reaches the signer', async ({ page, request }) => {
  const signer = createSigner();
  expect((await request.post('/api/helpdesk/check', { form: { email: signer.email } })).ok()).toBeTruthy();
  const asked = await request.post('/api/helpdesk/submit', {
    form: { category: 'general_question', message: 'Bagaimana cara memperpanjang sertifikat elektronik saya?' },
  });
  const { number } = await asked.json();

  await staffPage(page, 'admin');
  await nav(page, 'Tiket').click();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Kategori').selectOption('general_question');
  await page.getByLabel('Nomor tiket atau email').fill(number);
  await page.getByRole('button', { name: 'Terapkan' }).click();
  await expect(page.getByTestId('ticket-total')).toContainText('1 tiket');
  await page.getByRole('link', { name: `#${number}` }).click();
  await expect(page.getByRole('heading', { name: `Tiket #${number}` })).toBeVisible();
  await expect(page.getByText('memperpanjang sertifikat elektronik')).toBeVisible();

  const answer = 'Perpanjangan dilakukan di portal AMS, menu Sertifikat, paling lambat 30 hari sebelum masa berlaku habis.';
  await page.getByLabel('Jawaban (dikirim ke email dinas Signer, lalu tiket ditutup)').fill(answer);
  await page.getByRole('button', { name: 'Kirim jawaban' }).click();
  await expect(page.getByTestId('ticket-status')).toHaveText('Ditutup');
  await expect(page.getByTestId('ticket-answer')).toHaveText(answer);

  const mail = await waitForMail(signer.email, `Jawaban Helpdesk BSrE untuk tiket #${number}`);
  expect(mail.text).toContain(answer);
});

test('an admin removes a lost device and suspends an account: login and the open link stop', async ({ page, request }) => {
  const signer = createSigner({ devices: ['Hp Hilang', 'Hp Kantor'] });
  const setupLink = await approvedSetupLink(signer);

  await staffPage(page, 'admin');
  await nav(page, 'Akun').click();
  await searchAccounts(page, signer.nik);
  await page.getByRole('link', { name: signer.name }).click();
  await expect(page.getByRole('heading', { name: signer.name })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');

  await page.getByRole('button', { name: 'Hapus perangkat Hp Hilang' }).click();
  await expect(page.getByRole('heading', { name: 'Perangkat OTP (1)' })).toBeVisible();
  await expect(page.locator('.device__name')).toHaveText(['Hp Kantor']);
  await waitForMail(signer.email, 'dihapus');

  await page.getByRole('button', { name: 'Tangguhkan akun' }).click();
  await expect(page.getByTestId('account-status')).toHaveText('Ditangguhkan');

  const login = await request.post('/api/login/password', { form: { email: signer.email, password: signer.password } });
  expect(await login.text()).toContain('Akun Anda sedang ditangguhkan');
  await page.goto(setupLink);
  await expect(page.getByRole('heading', { name: 'Tautan ini tidak berlaku lagi' })).toBeVisible();
});

test('an admin imports signers from an AMS export: a dry run, then apply', async ({ page }) => {
  const tag = Date.now().toString(36);
  const csv = path.join(os.tmpdir(), `ekspor-ams-${tag}.csv`);
  const nik = `32730115089${String(Date.now() % 100000).padStart(5, '0')}`;
  fs.writeFileSync(
    csv,
    'email,full_name,nik,phone,agency,status,photo,photo_consent\n' +
      `impor.${tag}@instansi.go.id,Ani Lestari,${nik},081234500000,Dinas Impor,verified,,\n` +
      `salah.${tag}@instansi.go.id,Tanpa NIK,123,,,verified,,\n`,
  );

  await staffPage(page, 'admin');
  await nav(page, 'Impor signer').click();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Berkas CSV ekspor AMS').setInputFiles(csv);
  await page.getByRole('button', { name: 'Periksa (uji coba)' }).click();
  const report = page.getByTestId('import-report');
  await expect(report.getByRole('heading', { name: 'Hasil uji coba' })).toBeVisible();
  await expect(report).toContainText('1 dibuat, 0 diperbarui, 0 tidak berubah, 1 galat');

  await nav(page, 'Akun').click();
  await searchAccounts(page, `impor.${tag}`);
  await expect(page.getByText('Tidak ada akun yang cocok.')).toBeVisible();

  await nav(page, 'Impor signer').click();
  await expect(page.getByRole('heading', { name: 'Impor Signer dari AMS' })).toBeVisible();
  await page.getByLabel('Berkas CSV ekspor AMS').setInputFiles(csv);
  await page.getByRole('button', { name: 'Terapkan' }).click();
  await expect(report.getByRole('heading', { name: 'Hasil impor' })).toBeVisible();
  await expect(report).toContainText('1 dibuat, 0 diperbarui, 0 tidak berubah, 1 galat');

  await nav(page, 'Akun').click();
  await searchAccounts(page, nik);
  await expect(page.getByRole('link', { name: 'Ani Lestari' })).toBeVisible();
});
