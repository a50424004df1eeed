// Service clients in the console: an admin creates a client of the
// integration API, sees its token once (a reload shows it no more), and
// revokes it; the token works until then. A client made with a webhook URL
// shows its webhook secret once as well.
import { test, type Page } from '@playwright/test';
import { createStaff, expect, logInInBrowser } from '../fixtures';

test.use({ viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false });

async function validate(page: Page, token: string) {
  return page.request.post('/api/v1/validate', {
    headers: { authorization: `Bearer ${token}` },
    data: { signer: 'tidak.ada@kominfo.go.id', code: '123456' },
  });
}

test('an admin creates a service client, sees its token once and revokes it', async ({ page }) => {
  const name = `AMS uji ${Date.now().toString(36)}`;
  await logInInBrowser(page, createStaff('admin'));
  await expect(page).toHaveURL(/\/admin$/);
  await page
    .getByRole('navigation', { name: 'Navigasi konsol petugas' })
    .getByRole('link', { name: 'Klien layanan', exact: true })
    .click();
  await expect(page.getByRole('heading', { name: 'Klien layanan', exact: true })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');

  // A wrong field says what to fix; nothing is created.
  await page.getByLabel('Nama', { exact: true }).fill(name);
  await page.getByLabel('Panggilan per menit', { exact: true }).fill('0');
  await page.getByRole('button', { name: 'Buat klien layanan' }).click();
  await expect(page.getByText('Sebutkan minimal satu cakupan')).toBeVisible();
  await expect(page.getByText('antara 1 dan 100.000')).toBeVisible();
  await expect(page.getByTestId('new-token')).toHaveCount(0);

  await page.getByLabel('Nama', { exact: true }).fill(name);
  await page.getByLabel(/^validate/).check();
  await page.getByLabel('Alamat yang diizinkan (CIDR, satu per baris)').fill('127.0.0.0/8\n::1');
  await page.getByLabel('Panggilan per menit', { exact: true }).fill('600');
  await page.getByRole('button', { name: 'Buat klien layanan' }).click();
  const shown = page.getByTestId('new-token');
  await expect(shown).toBeVisible();
  await expect(page.getByText('token tidak akan ditampilkan lagi')).toBeVisible();
  const token = (await shown.textContent())!.trim();
  expect(token).toMatch(/^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/);
  const row = page.getByTestId('service-client').filter({ hasText: name });
  await expect(row).toContainText('127.0.0.0/8, ::1/128');
  await expect(row.getByTestId('client-status')).toHaveText('Aktif');
  await expect(row).toContainText('belum pernah');
  expect((await validate(page, token)).status()).toBe(200);

  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(row).toBeVisible();
  await expect(row).not.toContainText('belum pernah');
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  expect(await page.content()).not.toContain(token.split('.')[1]);

  await row.getByText('Cabut', { exact: true }).click();
  await expect(row.getByText('Panggilan berikutnya dengan tokennya ditolak')).toBeVisible();
  await row.getByRole('button', { name: 'Ya, cabut klien ini' }).click();
  await expect(row.getByTestId('client-status')).toContainText('Dicabut');
  expect((await validate(page, token)).status()).toBe(401);

  // A client made with a webhook URL: its signing secret is shown once too.
  const hooked = `Penerima ${Date.now().toString(36)}`;
  const hook = 'https://ams.example.go.id/hooks/tpo';
  await page.getByLabel('Nama', { exact: true }).fill(hooked);
  await page.getByLabel(/^events/).check();
  await page.getByLabel('URL webhook (opsional)').fill(hook);
  await page.getByRole('button', { name: 'Buat klien layanan' }).click();
  const shownSecret = page.getByTestId('new-webhook-secret');
  await expect(shownSecret).toBeVisible();
  await expect(page.getByText('rahasia tidak akan ditampilkan lagi')).toBeVisible();
  const webhookSecret = (await shownSecret.textContent())!.trim();
  expect(webhookSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  const hookedRow = page.getByTestId('service-client').filter({ hasText: hooked });
  await expect(hookedRow.getByTestId('client-webhook')).toContainText(hook);
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(hookedRow.getByTestId('client-webhook')).toContainText(hook);
  await expect(page.getByTestId('new-webhook-secret')).toHaveCount(0);
  expect(await page.content()).not.toContain(webhookSecret);
});
