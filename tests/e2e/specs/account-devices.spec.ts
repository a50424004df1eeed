// Renaming and removing devices on /akun (issue 12): the list is keyed by
// device id, so a removed device's open forms and typed password never end
// up in another device's item, and every form is closed and empty after a
// successful action. Adding one on /akun/perangkat-baru, in place.
import { type Locator, type Page, test } from '@playwright/test';
import { createSigner, expect, freshPeriod, logInInBrowser, totp, type Account } from '../fixtures';

const NAMES = ['Hp Kantor', 'Tablet Rumah', 'Hp Cadangan'];

async function openAccount(page: Page, signer: Account): Promise<Locator> {
  await logInInBrowser(page, signer);
  await expect(page).toHaveURL(/\/akun$/);
  // The device list is an island: its forms answer in place once it is live.
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByRole('heading', { name: 'Perangkat OTP (3 dari 3)' })).toBeVisible();
  const devices = page.locator('.device');
  await expect(devices).toHaveCount(3);
  return devices;
}

/** The item of one device, found by its id so a rename does not lose it. */
async function itemOf(page: Page, device: Locator): Promise<Locator> {
  const id = await device.getAttribute('data-device-id');
  expect(id).toMatch(/^[0-9a-f]{32}$/);
  return page.locator(`.device[data-device-id="${id}"]`);
}

/** Both forms of an item are closed and nothing is typed in them. */
async function expectClosedAndEmpty(item: Locator): Promise<void> {
  const forms = item.locator('details');
  await expect(forms).toHaveCount(2);
  for (const details of await forms.all()) await expect(details).toHaveJSProperty('open', false);
  await expect(item.getByLabel('Nama baru')).toHaveValue('');
  await expect(item.getByLabel('Kata sandi')).toHaveValue('');
  await expect(item.getByRole('alert')).toHaveCount(0);
}

test('renaming then removing one of three devices leaves the other two closed and empty', async ({ page }) => {
  const signer = createSigner({ devices: NAMES });
  const devices = await openAccount(page, signer);
  const second = await itemOf(page, devices.nth(1));
  await expect(second).toHaveAttribute('data-device-name', 'Tablet Rumah');

  await second.getByText('Ganti nama', { exact: true }).click();
  await second.getByLabel('Nama baru').fill('Tablet Lama');
  await second.getByRole('button', { name: 'Simpan nama' }).click();
  await expect(second.locator('.device__name')).toHaveText('Tablet Lama');
  await expectClosedAndEmpty(second);

  await second.getByText('Hapus', { exact: true }).click();
  await second.getByLabel('Kata sandi').fill(signer.password);
  await second.getByRole('button', { name: 'Hapus perangkat' }).click();

  await expect(page.getByRole('heading', { name: 'Perangkat OTP (2 dari 3)' })).toBeVisible();
  await expect(second).toHaveCount(0);
  await expect(devices).toHaveCount(2);
  await expect(page.locator('.device__name')).toHaveText(['Hp Kantor', 'Hp Cadangan']);
  await expect(page.locator('.device-list').getByText('Tablet Lama')).toHaveCount(0);
  // The activity list names the one removal.
  await expect(page.locator('.activity li', { hasText: 'dihapus' })).toHaveText([/Perangkat "Tablet Lama" dihapus\./]);
  for (const item of await devices.all()) await expectClosedAndEmpty(item);
  await expect(page.locator('input[type="password"]')).toHaveCount(2);
  for (const field of await page.locator('input[type="password"]').all()) await expect(field).toHaveValue('');

  // The server agrees: exactly one device went.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Perangkat OTP (2 dari 3)' })).toBeVisible();
  await expect(page.locator('.device__name')).toHaveText(['Hp Kantor', 'Hp Cadangan']);
});

test('a wrong password keeps that remove form open with the error and removes nothing', async ({ page }) => {
  const signer = createSigner({ devices: NAMES });
  const devices = await openAccount(page, signer);
  const third = await itemOf(page, devices.nth(2));

  await third.getByText('Hapus', { exact: true }).click();
  await third.getByLabel('Kata sandi').fill(`${signer.password}-salah`);
  await third.getByRole('button', { name: 'Hapus perangkat' }).click();

  const removeForm = third.locator('details').nth(1);
  await expect(removeForm.getByRole('alert')).toHaveText('Kata sandi salah. Perangkat tidak dihapus.');
  await expect(removeForm).toHaveJSProperty('open', true);
  // The refused password is not kept for another press.
  await expect(third.getByLabel('Kata sandi')).toHaveValue('');
  await expect(devices).toHaveCount(3);
  await expect(page.locator('.device__name')).toHaveText(NAMES);
  for (const other of [devices.nth(0), devices.nth(1)]) await expectClosedAndEmpty(other);

  // Nothing was removed on the server either; then the right password works.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Perangkat OTP (3 dari 3)' })).toBeVisible();
  const again = await itemOf(page, page.locator('.device').nth(2));
  await again.getByText('Hapus', { exact: true }).click();
  await again.getByLabel('Kata sandi').fill(signer.password);
  await again.getByRole('button', { name: 'Hapus perangkat' }).click();
  await expect(page.getByRole('heading', { name: 'Perangkat OTP (2 dari 3)' })).toBeVisible();
  await expect(page.locator('.device__name')).toHaveText(['Hp Kantor', 'Tablet Rumah']);
  for (const item of await page.locator('.device').all()) await expectClosedAndEmpty(item);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('plain form posts rename and remove one device, and a wrong password is refused', async ({ page }) => {
    const signer = createSigner({ devices: NAMES });
    // Log in through the API with the page's own cookies.
    await page.request.post('/api/login/password', { form: { email: signer.email, password: signer.password } });
    await freshPeriod();
    const loggedIn = await page.request.post('/api/login/code', { form: { code: totp(signer.devices[0].secret) } });
    expect(loggedIn.ok()).toBeTruthy();

    await page.goto('/akun');
    await expect(page.getByRole('heading', { name: 'Perangkat OTP (3 dari 3)' })).toBeVisible();
    const second = await itemOf(page, page.locator('.device').nth(1));
    await second.getByText('Ganti nama', { exact: true }).click();
    await second.getByLabel('Nama baru').fill('Tablet Lama');
    await second.getByRole('button', { name: 'Simpan nama' }).click();
    await expect(second.locator('.device__name')).toHaveText('Tablet Lama');
    await expectClosedAndEmpty(second);

    await second.getByText('Hapus', { exact: true }).click();
    await second.getByLabel('Kata sandi').fill(`${signer.password}-salah`);
    await second.getByRole('button', { name: 'Hapus perangkat' }).click();
    await expect(page.getByRole('alert')).toHaveText('Kata sandi salah. Perangkat tidak dihapus.');
    await expect(page.locator('.device')).toHaveCount(3);

    await second.getByText('Hapus', { exact: true }).click();
    await second.getByLabel('Kata sandi').fill(signer.password);
    await second.getByRole('button', { name: 'Hapus perangkat' }).click();
    await expect(page.getByRole('heading', { name: 'Perangkat OTP (2 dari 3)' })).toBeVisible();
    await expect(page.locator('.device__name')).toHaveText(['Hp Kantor', 'Hp Cadangan']);
    await expect(page.getByRole('alert')).toHaveCount(0);
    for (const item of await page.locator('.device').all()) await expectClosedAndEmpty(item);
  });
});

test('a device added from the account page: a wrong code keeps the name, the right one says what was added and removed, once', async ({ page }) => {
  const signer = createSigner({ devices: NAMES });
  await openAccount(page, signer);
  // The step-up: a code from another registered device.
  await page.getByLabel('Kode OTP perangkat lama').fill(totp(signer.devices[1].secret));
  await page.getByRole('button', { name: 'Konfirmasi' }).click();
  await page.getByRole('link', { name: 'Lanjut tambah perangkat' }).click();
  await expect(page).toHaveURL(/\/akun\/perangkat-baru$/);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.locator('summary', { hasText: 'Tidak bisa memindai?' }).click();
  const key = (await page.getByTestId('manual-key').textContent())!.replace(/\s/g, '');

  await page.getByLabel('Nama Perangkat').fill('Hp Baru');
  await page.getByRole('textbox', { name: 'Kode OTP' }).fill('000000' === totp(key) ? '111111' : '000000');
  await page.getByRole('button', { name: 'Kirim' }).click();
  await expect(page.getByRole('alert')).toContainText('Kode OTP INVALID.');
  await expect(page).toHaveURL(/\/akun\/perangkat-baru$/);
  await expect(page.getByLabel('Nama Perangkat')).toHaveValue('Hp Baru');

  await freshPeriod();
  await page.getByRole('textbox', { name: 'Kode OTP' }).fill(totp(key));
  await page.getByRole('button', { name: 'Kirim' }).click();
  const notice = page.getByRole('status');
  await expect(notice).toContainText('Penambahan perangkat OTP selesai dilakukan.');
  await expect(notice).toContainText('Perangkat “Hp Baru” sekarang dapat dipakai untuk masuk.');
  await expect(notice).toContainText('perangkat paling lama “Hp Kantor”');
  await expect(page.getByRole('alert')).toHaveCount(0);

  // Said once: the page shows a new QR code on the next visit.
  await page.reload();
  await expect(page.getByTestId('manual-key')).toBeAttached();
  await expect(page.getByText('Penambahan perangkat OTP selesai dilakukan.')).toHaveCount(0);
  await page.goto('/akun');
  await expect(page.locator('.device__name')).toHaveText(['Tablet Rumah', 'Hp Cadangan', 'Hp Baru']);
  // The session was opened with the device removed; it goes on with the new one.
  await expect(page.locator('.device').filter({ hasText: 'Hp Baru' })).toContainText('dipakai sesi ini');
});
