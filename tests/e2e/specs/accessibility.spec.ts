// Accessibility (issue 12): axe-core checks every page, signer and staff, in
// the states a user sees, against WCAG 2.0/2.1 A and AA; a serious or
// critical violation fails the test and is printed rule by rule. Then a
// signer walks the whole journey with the keyboard alone.
import AxeBuilder from '@axe-core/playwright';
import { test, type Locator, type Page } from '@playwright/test';
import {
  approve,
  approvedSetupLink,
  createSigner,
  createStaff,
  expect,
  freshPeriod,
  linkIn,
  logInInBrowser,
  requestOtp,
  totp,
  uploadSelfie,
  waitForMail,
  type Account,
} from '../fixtures';
import { baseURL, facePhoto } from '../playwright.config';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// Each test walks many pages; the debug wasm hydrates slowly on a busy machine.
test.describe.configure({ timeout: 240_000 });

/** Waits for hydration, runs axe and fails on serious or critical violations, listing them readably. */
async function expectAccessible(page: Page, state: string): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = blocking
    .map((v) => {
      const nodes = v.nodes.map((n) => `    at ${n.target.join(' ')}\n      ${n.failureSummary?.replace(/\n/g, '\n      ')}`);
      return `[${v.impact}] ${v.id}: ${v.help}\n  ${v.helpUrl}\n${nodes.join('\n')}`;
    })
    .join('\n');
  expect.soft(blocking, `${state} (${page.url()}):\n${report}`).toEqual([]);
}

/** The form's error is read with each of `fields` (their `aria-describedby`). */
async function expectErrorDescribes(page: Page, fields: Locator[]): Promise<void> {
  const error = (await page.getByRole('alert').textContent())!.trim();
  expect(error).not.toBe('');
  for (const field of fields) await expect(field).toHaveAccessibleDescription(error);
}

/** Loads a page and checks it. */
async function visit(page: Page, url: string, state: string): Promise<void> {
  await page.goto(url);
  await expectAccessible(page, state);
}

test('home, with the menu open, and the ticket status form', async ({ page }) => {
  await visit(page, '/', 'home');
  await page.getByRole('button', { name: 'Menu' }).click();
  await expect(page.getByRole('link', { name: 'Helpdesk', exact: true })).toBeVisible();
  await expectAccessible(page, 'home, menu open');
  await visit(page, '/tiket', 'ticket status, empty form');
});

test('the 404 page, unknown links, the account page without a session', async ({ page }) => {
  await visit(page, '/tidak-ada', 'page not found');
  await expect(page.getByRole('heading', { name: 'Halaman tidak ditemukan' })).toBeVisible();
  await visit(page, '/verifikasi/tautan-palsu', 'identity check, unknown link');
  await expect(page.getByRole('heading', { name: 'Tautan tidak dikenal' })).toBeVisible();
  await visit(page, '/otp/atur/tautan-palsu', 'OTP setup, unknown link');
  await expect(page.getByRole('heading', { name: 'Tautan tidak dikenal' })).toBeVisible();
  await visit(page, '/akun', 'account page without a session');
});

test('helpdesk: Periksa results, the request forms, errors and the receipt', async ({ page }) => {
  const signer = createSigner();
  await visit(page, '/helpdesk', 'helpdesk');
  await page.getByLabel('Email dinas').fill('tidak.terdaftar@instansi.go.id');
  await page.getByRole('button', { name: 'Periksa' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectErrorDescribes(page, [page.getByLabel('Email dinas')]);
  await expectAccessible(page, 'Periksa, unknown email');

  await visit(page, '/helpdesk', 'helpdesk');
  await page.getByLabel('Email dinas').fill(signer.email);
  await page.getByRole('button', { name: 'Periksa' }).click();
  await expect(page.getByTestId('checked-email')).toHaveText(signer.email);
  await expectAccessible(page, 'Periksa, verified signer: OTP request form');

  await page.getByLabel('Nama lengkap').fill(signer.name);
  await page.getByLabel('NIK').fill(signer.nik.slice(0, 12) + (signer.nik.endsWith('9') ? '0001' : '9999'));
  await page.getByRole('button', { name: 'Kirim' }).click();
  await expect(page.getByRole('alert')).toContainText('tidak cocok');
  await expectErrorDescribes(page, [page.getByLabel('Nama lengkap'), page.getByLabel('NIK')]);
  await expectAccessible(page, 'OTP request, NIK mismatch');

  await page.getByLabel('Kategori').selectOption('general_question');
  await expectAccessible(page, 'general question form');

  await page.getByLabel('Kategori').selectOption('otp_request');
  await page.getByLabel('NIK').fill(signer.nik);
  await page.getByRole('button', { name: 'Kirim' }).click();
  await expect(page).toHaveURL(/\/helpdesk\/terkirim\?nomor=/);
  const number = (await page.getByTestId('ticket-number').textContent())!.replace('#', '');
  await expectAccessible(page, 'request receipt');

  await visit(page, `/tiket?nomor=${number}&email=${encodeURIComponent(signer.email)}`, 'ticket status, found');
  await visit(page, `/tiket?nomor=zzzzzzz&email=${encodeURIComponent(signer.email)}`, 'ticket status, not found');
});

/** Opens the identity check of a new request (checked before consent), agrees and presses "Ambil Foto". */
async function openCamera(page: Page, signer: Account): Promise<{ link: string }> {
  const { link } = await requestOtp(signer);
  await visit(page, link, 'identity check, before consent');
  await page.getByRole('checkbox', { name: /Saya setuju/ }).check();
  await page.getByRole('button', { name: 'Ambil Foto' }).click();
  return { link };
}

test.describe('with the camera allowed', () => {
  test.use({ permissions: ['camera'] });

  test('identity check: consent, camera, preview, and the page after sending', async ({ page }) => {
    const { link } = await openCamera(page, createSigner());
    const video = page.locator('video.camera__video');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);
    await expectAccessible(page, 'identity check, camera open');
    await page.getByRole('button', { name: 'Jepret' }).click();
    await expect(page.getByAltText('Pratinjau swafoto Anda')).toBeVisible();
    await expectAccessible(page, 'identity check, preview');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page).toHaveURL(/\/verifikasi\/terkirim/);
    await expectAccessible(page, 'selfie sent');
    await visit(page, link, 'identity check, link used');
    await expect(page.getByRole('heading', { name: 'Tautan ini sudah digunakan' })).toBeVisible();
  });
});

test('identity check with the camera refused: the file picker', async ({ page }) => {
  const signer = createSigner();
  const { link } = await openCamera(page, signer);
  await expect(page.getByText('Izin kamera ditolak')).toBeVisible();
  await expectAccessible(page, 'identity check, camera refused');
  await page.getByLabel('Foto wajah (swafoto)').setInputFiles(facePhoto);
  await expect(page.getByAltText('Pratinjau swafoto Anda')).toBeVisible();
  await expectAccessible(page, 'identity check, picked photo');
  // A newer request replaces the link.
  await requestOtp(signer);
  await visit(page, link, 'identity check, link superseded');
  await expect(page.getByRole('heading', { name: 'Tautan ini tidak berlaku lagi' })).toBeVisible();
});

test('OTP setup, a wrong code, success; login in both steps, a wrong code; the account pages', async ({ page }) => {
  const signer = createSigner({ devices: ['Hp Kantor', 'Tablet Rumah', 'Hp Pribadi'] });
  await visit(page, await approvedSetupLink(signer), 'OTP setup, before the QR code is shown');
  await page.getByRole('button', { name: 'Tampilkan kode QR' }).click();
  await expect(page.getByText('Tidak bisa memindai?')).toBeVisible();
  // The server answers with the QR code; its code form is an island that
  // keeps the name typed when a code is refused, once the page is live.
  await hydrated(page);
  await expectAccessible(page, 'OTP setup, QR code and full device list');
  await page.getByText('Tidak bisa memindai?').click();
  await expectAccessible(page, 'OTP setup, manual key open');
  const key = (await page.getByTestId('manual-key').textContent())!.replace(/\s/g, '');
  await freshPeriod();
  const right = totp(key);
  await page.getByLabel('Nama Perangkat').fill('Hp Baru');
  await page.locator('#kode-otp').fill(right === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Kirim' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectErrorDescribes(page, [page.getByLabel('Nama Perangkat'), page.locator('#kode-otp')]);
  await expectAccessible(page, 'OTP setup, wrong code');
  await page.locator('#kode-otp').fill(totp(key));
  await page.getByRole('button', { name: 'Kirim' }).click();
  await expect(page.getByText('Penambahan perangkat OTP selesai dilakukan.')).toBeVisible();
  await expectAccessible(page, 'OTP setup, done');

  await visit(page, '/login', 'login, email and password');
  await page.getByLabel('Email dinas').fill(signer.email);
  await page.locator('#password').fill('salah-sandi');
  await page.getByRole('button', { name: 'Lanjut' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectErrorDescribes(page, [page.getByLabel('Email dinas'), page.locator('#password')]);
  await expectAccessible(page, 'login, wrong password');
  await page.locator('#password').fill(signer.password);
  await page.getByRole('button', { name: 'Lanjut' }).click();
  await expect(page.getByLabel('Kode OTP')).toBeVisible();
  await expectAccessible(page, 'login, code step');
  await page.getByLabel('Kode OTP').fill('000001');
  await page.getByRole('button', { name: 'Masuk', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('Kode OTP salah');
  await expectErrorDescribes(page, [page.getByLabel('Kode OTP')]);
  await expectAccessible(page, 'login, wrong code');
  await freshPeriod();
  await page.getByLabel('Kode OTP').fill(totp(key, 1));
  await page.getByRole('button', { name: 'Masuk', exact: true }).click();
  await expect(page).toHaveURL(/\/akun$/);
  await expectAccessible(page, 'account, devices');
  for (const details of await page.locator('.device details').all()) await details.locator('summary').click();
  await expectAccessible(page, 'account, device forms open');
  await visit(page, '/akun/perangkat-baru', 'account, add a device');
});

test.describe('staff console', () => {
  test.use({ viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false });

  /** Opens a console page from the navigation (no page load) and checks it once its data is shown. */
  async function fromNav(page: Page, link: string, heading: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Navigasi konsol petugas' }).getByRole('link', { name: link, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    await expect(page.getByText(/^(Memuat|Mencari)…$/)).toHaveCount(0);
    await expectAccessible(page, heading);
  }

  async function logInAsAdmin(page: Page): Promise<void> {
    await logInInBrowser(page, createStaff('admin'));
    await expect(page).toHaveURL(/\/admin$/);
    await expect(page.getByRole('heading', { name: 'Dasbor' })).toBeVisible();
  }

  test('every page of the console navigation, as an admin', async ({ page }) => {
    const { link } = await requestOtp(createSigner());
    await uploadSelfie(link);
    await logInAsAdmin(page);
    await expectAccessible(page, 'dashboard');
    await fromNav(page, 'Verifikasi', 'Verifikasi swafoto');
    await fromNav(page, 'Tiket', 'Tiket');
    await fromNav(page, 'Akun', 'Akun');
    await fromNav(page, 'Log audit', 'Log audit');
    await fromNav(page, 'Kotak keluar', 'Kotak keluar');
    await fromNav(page, 'Impor signer', 'Impor Signer dari AMS');
    await fromNav(page, 'Klien layanan', 'Klien layanan');
    await fromNav(page, 'Pengaturan', 'Pengaturan');
    await fromNav(page, 'Dasbor', 'Dasbor');
  });

  test('a review, a ticket, an account search and an account, as an admin', async ({ page }) => {
    const signer = createSigner();
    const { number, link } = await requestOtp(signer);
    await uploadSelfie(link);
    await logInAsAdmin(page);
    await visit(page, `/admin/verifikasi?tiket=${number}`, 'review detail');
    await expect(page.locator(`article[data-ticket="${number}"]`)).toBeVisible();
    await visit(page, `/admin/tiket/${number}`, 'one ticket');
    await expect(page.getByRole('heading', { name: `Tiket #${number}` })).toBeVisible();
    await visit(page, `/admin/akun?q=${encodeURIComponent(signer.email)}`, 'accounts, search');
    await page.getByRole('link', { name: signer.name }).click();
    await expect(page.getByRole('heading', { level: 1, name: signer.name })).toBeVisible();
    await expectAccessible(page, 'one account');
  });
});

/** Where the keyboard focus is, and whether it is drawn. */
type Stop = { index: number; label: string; outline: string; visible: boolean };

async function focusStop(page: Page): Promise<Stop> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return { index: -1, label: '<body>', outline: '', visible: false };
    const style = getComputedStyle(element);
    const name = (element.getAttribute('aria-label') ?? element.textContent ?? '').trim().slice(0, 40);
    return {
      index: Array.from(document.querySelectorAll('*')).indexOf(element),
      label: `<${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}> ${name}`,
      outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
      visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    };
  });
}

async function hasFocus(target: Locator): Promise<boolean> {
  return target.evaluate((element) => element === document.activeElement);
}

/**
 * Presses Tab until `target` has the focus. Every stop on the way must show
 * a focus outline and Tab must always move on (no trap); at the target,
 * Shift+Tab goes back to the stop before it and Tab returns.
 */
async function tabTo(page: Page, target: Locator, max = 40): Promise<void> {
  await expect(target).toBeVisible();
  const stops: Stop[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const stop = await focusStop(page);
    // Past the end of the page focus leaves the document; the next Tab starts at the top.
    if (stop.index === -1) continue;
    expect(stop.visible, `no visible focus on ${stop.label} (outline: ${stop.outline})`).toBe(true);
    const previous = stops.at(-1);
    expect(previous?.index === stop.index, `Tab does not leave ${stop.label}`).toBe(false);
    stops.push(stop);
    if (await hasFocus(target)) {
      if (previous) {
        await page.keyboard.press('Shift+Tab');
        expect((await focusStop(page)).label, `Shift+Tab from ${stop.label}`).toBe(previous.label);
        await page.keyboard.press('Tab');
        expect(await hasFocus(target), `Tab back to ${stop.label}`).toBe(true);
      }
      return;
    }
  }
  throw new Error(`Tab never reached ${target}; stops: ${stops.map((s) => s.label).join(' → ')}`);
}

/** Tabs to a field and types into it. */
async function typeInto(page: Page, field: Locator, text: string): Promise<void> {
  await tabTo(page, field);
  await page.keyboard.type(text);
}

/** Tabs to a button or link and presses Enter. */
async function press(page: Page, target: Locator): Promise<void> {
  await tabTo(page, target);
  await page.keyboard.press('Enter');
}

async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
}

test.describe('by keyboard alone', () => {
  test.use({ permissions: ['camera'], viewport: { width: 1280, height: 900 }, isMobile: false, hasTouch: false });

  test('a signer goes from the helpdesk to a new device and logs in, using only Tab, Enter and Space', async ({ page }) => {
    const signer = createSigner();
    await page.goto('/');
    await hydrated(page);
    await press(page, page.getByRole('link', { name: 'Buka Helpdesk' }));
    await expect(page).toHaveURL(/\/helpdesk$/);

    await typeInto(page, page.getByLabel('Email dinas'), signer.email);
    await press(page, page.getByRole('button', { name: 'Periksa' }));
    await expect(page.getByTestId('checked-email')).toHaveText(signer.email);
    // Once live the page hides the other category's fields: tab through the
    // form it settles on (Periksa may have been a plain post, a new page).
    await hydrated(page);
    await typeInto(page, page.getByLabel('Nama lengkap'), signer.name);
    await typeInto(page, page.getByLabel('NIK'), signer.nik);
    await press(page, page.getByRole('button', { name: 'Kirim' }));
    await expect(page).toHaveURL(/\/helpdesk\/terkirim\?nomor=/);
    const number = (await page.getByTestId('ticket-number').textContent())!.replace('#', '');

    // The link in the mail opens the identity check.
    await page.goto(linkIn(await waitForMail(signer.email, `#${number}`), `${baseURL}/verifikasi/`));
    await hydrated(page);
    const consent = page.getByRole('checkbox', { name: /Saya setuju/ });
    await tabTo(page, consent);
    await page.keyboard.press('Space');
    await expect(consent).toBeChecked();
    await press(page, page.getByRole('button', { name: 'Ambil Foto' }));
    const video = page.locator('video.camera__video');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);
    await press(page, page.getByRole('button', { name: 'Jepret' }));
    await expect(page.getByAltText('Pratinjau swafoto Anda')).toBeVisible();
    await press(page, page.getByRole('button', { name: 'Submit' }));
    await expect(page).toHaveURL(/\/verifikasi\/terkirim/);

    // The verifier approves on the staff side; the signer opens the setup link from the mail.
    await page.goto(await approve(signer, number));
    await hydrated(page);
    await press(page, page.getByRole('button', { name: 'Tampilkan kode QR' }));
    await press(page, page.locator('summary', { hasText: 'Tidak bisa memindai?' }));
    const key = (await page.getByTestId('manual-key').textContent())!.replace(/\s/g, '');
    await typeInto(page, page.getByLabel('Nama Perangkat'), 'Hp Papan Ketik');
    await freshPeriod();
    await typeInto(page, page.locator('#kode-otp'), totp(key));
    await press(page, page.getByRole('button', { name: 'Kirim' }));
    await expect(page.getByText('Penambahan perangkat OTP selesai dilakukan.')).toBeVisible();

    await press(page, page.getByRole('link', { name: 'Masuk ke akun' }));
    await expect(page).toHaveURL(/\/login$/);
    await typeInto(page, page.getByLabel('Email dinas'), signer.email);
    await typeInto(page, page.locator('#password'), signer.password);
    await press(page, page.getByRole('button', { name: 'Lanjut' }));
    // The code just used is spent; the next period's code is already accepted.
    await typeInto(page, page.getByLabel('Kode OTP'), totp(key, 1));
    await press(page, page.getByRole('button', { name: 'Masuk', exact: true }));
    await expect(page).toHaveURL(/\/akun$/);
    await expect(page.locator('.device').filter({ hasText: 'Hp Papan Ketik' })).toContainText('dipakai sesi ini');
  });
});
