import { test, expect } from '@playwright/test';

test('pages are server-rendered in Indonesian and hydrate', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tambah Perangkat OTP');
  await expect(page.locator('html')).toHaveAttribute('lang', 'id');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');

  // The menu button only works once the wasm has taken over the page.
  const menu = page.getByRole('button', { name: 'Menu' });
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await menu.click();
  await expect(page.getByRole('button', { name: 'Tutup' })).toHaveAttribute('aria-expanded', 'true');
  await expect(page.locator('#navigasi-utama')).toHaveClass(/site-nav--open/);
  await page.getByRole('link', { name: 'Masuk', exact: true }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.locator('#navigasi-utama')).not.toHaveClass(/site-nav--open/);
});

test('password field can be shown and hidden without a server round trip', async ({ page }) => {
  await page.goto('/login');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  const password = page.locator('#password');
  await expect(password).toHaveAttribute('type', 'password');
  await page.getByRole('button', { name: 'Tampilkan' }).click();
  await expect(password).toHaveAttribute('type', 'text');
  await page.getByRole('button', { name: 'Sembunyikan' }).click();
  await expect(password).toHaveAttribute('type', 'password');
});

test('unknown pages say so in Indonesian', async ({ page }) => {
  const response = await page.goto('/tidak-ada');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Halaman tidak ditemukan' })).toBeVisible();
});
