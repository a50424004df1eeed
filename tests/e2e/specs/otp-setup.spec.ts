import { test } from '@playwright/test';
import { approvedSetupLink, createSigner, expect, freshPeriod, totp } from '../fixtures';

async function logIn(page: import('@playwright/test').Page, email: string, password: string, code: string) {
  await page.goto('/login');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Email dinas').fill(email);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Lanjut' }).click();
  await page.getByLabel('Kode OTP').fill(code);
  await page.getByRole('button', { name: 'Masuk', exact: true }).click();
}

test.describe('with clipboard access', () => {
  test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

  test('the manual key enrolls a device with a non-ASCII name, which then logs in', async ({ page }) => {
    const signer = createSigner();
    await page.goto(await approvedSetupLink(signer));
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
    await expect(page.getByTestId('manual-key')).toHaveCount(0);
    await page.getByRole('button', { name: 'Tampilkan kode QR' }).click();

    const seconds = page.locator('.countdown__seconds');
    const first = Number(await seconds.textContent());
    await expect.poll(async () => Number(await seconds.textContent()), { timeout: 5_000 }).not.toBe(first);

    await page.getByText('Tidak bisa memindai?').click();
    const key = (await page.getByTestId('manual-key').textContent())!.replace(/\s/g, '');
    expect(key).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByRole('button', { name: 'Salin kunci' }).click();
    await expect(page.getByRole('button', { name: 'Tersalin' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

    await freshPeriod();
    await page.getByLabel('Nama Perangkat').fill('  Hp  Jackie Ñandú 2606 ');
    await page.locator('#kode-otp').fill(totp(key).replace(/(\d{3})/, '$1 '));
    await page.getByRole('button', { name: 'Kirim' }).click();
    await expect(page.getByText('Penambahan perangkat OTP selesai dilakukan.')).toBeVisible();
    await expect(page.getByText('Perangkat “Hp Jackie Ñandú 2606” sekarang dapat dipakai untuk masuk.')).toBeVisible();

    await page.getByRole('link', { name: 'Masuk ke akun' }).click();
    await expect(page).toHaveURL(/\/login$/);
    // The code just used is spent; the next period's code is already accepted.
    await logIn(page, signer.email, signer.password, totp(key, 1));
    await expect(page).toHaveURL(/\/akun$/);
    await expect(page.locator('.device').filter({ hasText: 'Hp Jackie Ñandú 2606' })).toContainText('dipakai sesi ini');
  });
});

test('a fourth device removes the oldest, which no longer logs in', async ({ page }) => {
  const signer = createSigner({ devices: ['Hp Kantor', 'Tablet Rumah', 'Hp Pribadi'] });
  await page.goto(await approvedSetupLink(signer));
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByRole('status')).toContainText('perangkat paling lama “Hp Kantor”');
  await page.getByRole('button', { name: 'Tampilkan kode QR' }).click();
  await page.getByText('Tidak bisa memindai?').click();
  const key = (await page.getByTestId('manual-key').textContent())!.replace(/\s/g, '');
  await freshPeriod();
  await page.getByLabel('Nama Perangkat').fill('Hp Baru');
  await page.locator('#kode-otp').fill(totp(key));
  await page.getByRole('button', { name: 'Kirim' }).click();
  await expect(page.locator('.evicted')).toContainText('perangkat paling lama “Hp Kantor”');

  await logIn(page, signer.email, signer.password, totp(signer.devices[0].secret));
  await expect(page.getByRole('alert')).toContainText('Kode OTP salah');
  await page.getByLabel('Kode OTP').fill(totp(signer.devices[1].secret));
  await page.getByRole('button', { name: 'Masuk', exact: true }).click();
  await expect(page).toHaveURL(/\/akun$/);
  await expect(page.getByRole('heading', { name: 'Perangkat OTP (3 dari 3)' })).toBeVisible();
  await expect(page.locator('.device')).toHaveText([/Tablet Rumah/, /Hp Pribadi/, /Hp Baru/]);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the link shows no secret until the button is pressed, then the QR code and key', async ({ page, request }) => {
    const signer = createSigner();
    const link = await approvedSetupLink(signer);
    // What a mail scanner fetching the link gets.
    const scanned = await (await request.get(link)).text();
    expect(scanned).toContain('Tampilkan kode QR');
    expect(scanned).not.toContain('otpauth');
    expect(scanned).not.toContain('manual-key');

    await page.goto(link);
    await expect(page.getByLabel('QR Code untuk aplikasi Authenticator')).toHaveCount(0);
    await page.getByRole('button', { name: 'Tampilkan kode QR' }).click();
    await expect(page.getByLabel('QR Code untuk aplikasi Authenticator')).toBeVisible();
    const key = (await page.getByTestId('manual-key').textContent())!.replace(/\s/g, '');
    expect(key).toMatch(/^[A-Z2-7]{32}$/);
    expect(scanned).not.toContain(key);

    await freshPeriod();
    await page.getByLabel('Nama Perangkat').fill('Hp Tanpa Skrip');
    await page.locator('#kode-otp').fill(totp(key));
    await page.getByRole('button', { name: 'Kirim' }).click();
    await expect(page.getByText('Penambahan perangkat OTP selesai dilakukan.')).toBeVisible();
  });
});
