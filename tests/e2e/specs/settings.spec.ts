// Settings change every process's behaviour: this spec runs alone, after
// the others (see the projects in playwright.config.ts), and restores what
// it changes.
import { test, type Page } from '@playwright/test';
import { approvedSetupLink, createSigner, createStaff, expect, freshPeriod, logInInBrowser, totp } from '../fixtures';
import { baseURL } from '../playwright.config';

test.use({ viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false });

async function setMaxDevices(page: Page, value: string) {
  await page.goto(`${baseURL}/admin/pengaturan`);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Batas perangkat per akun').fill(value);
  await page.getByRole('button', { name: 'Simpan pengaturan' }).click();
  await expect(page.getByText('Pengaturan disimpan.')).toBeVisible();
  await expect(page.getByLabel('Batas perangkat per akun')).toHaveValue(value);
}

test('an admin lowers the device limit and the next enrollment honours it', async ({ page, browser }) => {
  const admin = createStaff('admin');
  await logInInBrowser(page, admin);
  await expect(page).toHaveURL(/\/admin$/);

  await page.goto(`${baseURL}/admin/pengaturan`);
  await page.getByLabel('Batas perangkat per akun').fill('0');
  await page.getByRole('button', { name: 'Simpan pengaturan' }).click();
  await expect(page.getByRole('alert')).toContainText('Batas perangkat per akun: isi antara 1 dan 10');

  await setMaxDevices(page, '2');
  try {
    const signer = createSigner({ devices: ['Hp Pertama', 'Hp Kedua'] });
    const link = await approvedSetupLink(signer);
    const phone = await (await browser.newContext()).newPage();
    await phone.goto(link);
    await expect(phone.locator('html')).toHaveAttribute('data-hydrated', 'true');
    await expect(phone.getByRole('status')).toContainText(
      'Akun Anda sudah memiliki 2 perangkat OTP (batas maksimal)',
    );
    await expect(phone.getByRole('status')).toContainText('“Hp Pertama”');
    await phone.getByRole('button', { name: 'Tampilkan kode QR' }).click();
    await phone.getByText('Tidak bisa memindai?').click();
    const key = (await phone.getByTestId('manual-key').textContent())!.replace(/\s/g, '');
    await freshPeriod();
    await phone.getByLabel('Nama Perangkat').fill('Hp Ketiga');
    await phone.locator('#kode-otp').fill(totp(key));
    await phone.getByRole('button', { name: 'Kirim' }).click();
    await expect(phone.locator('.evicted')).toContainText('perangkat paling lama “Hp Pertama”');
  } finally {
    await setMaxDevices(page, '3');
  }
});

test('a setting refused before the page is live shows its error once, and the address drops it once live', async ({ page }) => {
  await logInInBrowser(page, createStaff('admin'));
  await expect(page).toHaveURL(/\/admin$/);
  // No wasm yet: the form is a plain post, refused with the error in the address.
  await page.route('**/pkg/**', (route) => route.abort());
  await page.goto(`${baseURL}/admin/pengaturan`);
  await page.getByLabel('Batas perangkat per akun').fill('0');
  await page.getByRole('button', { name: 'Simpan pengaturan' }).click();
  await expect(page).toHaveURL(/__err=/);
  await expect(page.getByRole('alert')).toContainText('Batas perangkat per akun: isi antara 1 dan 10');
  // The page then comes alive on that address: the island starts from the
  // server's error, and the address goes back to the page's own.
  await page.unroute('**/pkg/**');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(page).toHaveURL(/\/admin\/pengaturan$/);
  await expect(page.getByRole('alert')).toHaveCount(1);
  await expect(page.getByRole('alert')).toContainText('Batas perangkat per akun: isi antara 1 dan 10');
});
