import { test } from '@playwright/test';
import { createSigner, expect, freshPeriod, totp } from '../fixtures';

test('a signer logs in with a code from a seeded device and sees the devices', async ({ page }) => {
  const signer = createSigner({ devices: ['Hp Kantor', 'Tablet Rumah'] });
  await page.goto('/login');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Email dinas').fill(signer.email);
  await page.locator('#password').fill(signer.password);
  await page.getByRole('button', { name: 'Lanjut' }).click();

  await expect(page.getByText('Masukkan kode OTP dari salah satu aplikasi Authenticator')).toBeVisible();
  await freshPeriod();
  await page.getByLabel('Kode OTP').fill(totp(signer.devices[1].secret));
  await page.getByRole('button', { name: 'Masuk', exact: true }).click();

  await expect(page).toHaveURL(/\/akun$/);
  await expect(page.getByRole('heading', { name: 'Perangkat OTP (2 dari 3)' })).toBeVisible();
  const devices = page.locator('.device');
  await expect(devices).toHaveCount(2);
  await expect(devices.nth(0)).toContainText('Hp Kantor');
  await expect(devices.nth(1)).toContainText('Tablet Rumah');
  await expect(devices.nth(1)).toContainText('dipakai sesi ini');
});

test('a wrong password is refused in place: the email stays, the password is typed again', async ({ page }) => {
  const signer = createSigner();
  await page.goto('/login');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Email dinas').fill(signer.email);
  await page.locator('#password').fill(`${signer.password}-salah`);
  await page.getByRole('button', { name: 'Lanjut' }).click();
  await expect(page.getByRole('alert')).toHaveText('Email atau kata sandi salah.');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByLabel('Email dinas')).toHaveValue(signer.email);
  await expect(page.locator('#password')).toHaveValue('');
  await expect(page.locator('#password')).toBeFocused();
});

test('a wrong code is refused with a clear message', async ({ page }) => {
  const signer = createSigner();
  await page.goto('/login');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Email dinas').fill(signer.email);
  await page.locator('#password').fill(signer.password);
  await page.getByRole('button', { name: 'Lanjut' }).click();
  const right = totp(signer.devices[0].secret);
  await page.getByLabel('Kode OTP').fill(right === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Masuk', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('Kode OTP salah');
  await expect(page).toHaveURL(/\/login$/);
});
