import { test } from '@playwright/test';
import {
  cameraRequests, countCameraRequests, createSigner, createVerifier, expect, freshPeriod, logInInBrowser, requestOtp, totp, waitForMail, linkIn,
} from '../fixtures';
import { baseURL, facePhoto } from '../playwright.config';

test.describe('with the camera allowed', () => {
  test.use({ permissions: ['camera'] });

  test('the camera stays shut until the signer agrees, and closes when they withdraw', async ({ page }) => {
    await countCameraRequests(page);
    const signer = createSigner();
    const { link } = await requestOtp(signer);
    await page.goto(link);
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
    const notice = page.getByTestId('consent-notice');
    await expect(notice).toContainText('dibandingkan dengan foto registrasi Anda');
    await expect(notice).toContainText('Hanya petugas verifikator dan admin helpdesk');
    await expect(page.getByTestId('consent-retention')).toContainText('30 hari setelah tiket ini selesai');
    await expect(notice).toContainText('menarik persetujuan dengan tidak mengirim swafoto');
    const consent = page.getByRole('checkbox', { name: /Saya setuju/ });
    const camera = page.getByRole('button', { name: 'Ambil Foto' });
    await expect(consent).not.toBeChecked();
    await expect(camera).toBeDisabled();
    await expect(page.getByText('Centang persetujuan di atas untuk membuka kamera.')).toBeVisible();
    await camera.click({ force: true });
    await expect(page.locator('video.camera__video')).toBeHidden();
    expect(await cameraRequests(page)).toBe(0);

    await consent.check();
    await expect(camera).toBeEnabled();
    await camera.click();
    const video = page.locator('video.camera__video');
    await expect(video).toBeVisible();
    expect(await cameraRequests(page)).toBe(1);
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);

    // Withdrawn: the camera closes and "Ambil Foto" is disabled again.
    await consent.uncheck();
    await expect(video).toBeHidden();
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => (v.srcObject as MediaStream | null)?.getVideoTracks()[0]?.readyState ?? 'none'))
      .not.toBe('live');
    await expect(camera).toBeDisabled();
  });

  test('Ambil Foto takes the selfie, a verifier approves it, the setup link works', async ({ page, browser }) => {
    const signer = createSigner();
    const { number, link } = await requestOtp(signer);
    await page.goto(link);
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
    await page.getByRole('checkbox', { name: /Saya setuju/ }).check();
    await page.getByRole('button', { name: 'Ambil Foto' }).click();
    const video = page.locator('video.camera__video');
    await expect(video).toBeVisible();
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Jepret' }).click();
    await expect(page.getByAltText('Pratinjau swafoto Anda')).toBeVisible();
    await page.getByRole('button', { name: 'Ulangi' }).click();
    await page.getByRole('button', { name: 'Ambil Foto' }).click();
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Jepret' }).click();
    const upload = page.waitForRequest((r) => r.url().endsWith('/foto') && r.method() === 'POST');
    await page.getByRole('button', { name: 'Submit' }).click();
    // The multipart body of an XHR is not exposed to Playwright; its length header is.
    const bytes = Number(await (await upload).headerValue('content-length'));
    console.log(`selfie upload from the camera page: ${(bytes / 1024).toFixed(1)} KB`);
    expect(bytes).toBeGreaterThan(5_000);
    await expect(page).toHaveURL(new RegExp(`/verifikasi/terkirim\\?nomor=${number}`));
    await expect(page.getByRole('heading', { name: 'Swafoto terkirim' })).toBeVisible();

    // The verifier, in another browser context.
    const verifier = createVerifier();
    const staff = await (await browser.newContext()).newPage();
    await logInInBrowser(staff, verifier);
    await expect(staff).toHaveURL(/\/admin$/);
    await expect(staff.getByRole('heading', { name: 'Dasbor' })).toBeVisible();
    // Other tests' selfies may wait longer: open this one from the queue.
    await staff.getByRole('link', { name: 'Verifikasi', exact: true }).click();
    await expect(staff.getByTestId('queue-size')).toBeVisible();
    const focused = staff.locator(`article[data-ticket="${number}"]`);
    if ((await focused.count()) === 0) {
      await staff.getByRole('link', { name: `#${number}` }).click();
    }
    const card = staff.locator(`article[data-ticket="${number}"]`);
    await expect(card).toContainText(signer.email);
    const photo = card.getByAltText(`Swafoto untuk tiket #${number}`);
    await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await card.getByRole('button', { name: 'Setujui' }).click();
    await expect(card).toHaveCount(0);

    const mail = await waitForMail(signer.email, 'Perbarui Akun Anda');
    await page.goto(linkIn(mail, `${baseURL}/otp/atur/`));
    await expect(page.getByRole('heading', { name: 'Pindai QR Code' })).toBeVisible();
  });
});

test('when the camera is refused, the signer picks a photo instead', async ({ page }) => {
  const signer = createSigner();
  const { number, link } = await requestOtp(signer);
  await page.goto(link);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('checkbox', { name: /Saya setuju/ }).check();
  await page.getByRole('button', { name: 'Ambil Foto' }).click();
  await expect(page.getByText('Izin kamera ditolak')).toBeVisible();
  await page.getByLabel('Foto wajah (swafoto)').setInputFiles(facePhoto);
  await expect(page.getByAltText('Pratinjau swafoto Anda')).toBeVisible();
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page).toHaveURL(new RegExp(`/verifikasi/terkirim\\?nomor=${number}`));
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the plain form sends the photo only with the consent box ticked', async ({ page }) => {
    const signer = createSigner();
    const { number, link } = await requestOtp(signer);
    await page.goto(link);
    await expect(page.getByTestId('consent-notice')).toContainText('30 hari setelah tiket ini selesai');
    await page.getByLabel('Foto wajah (swafoto)').setInputFiles(facePhoto);
    const consent = page.getByRole('checkbox', { name: /Saya setuju/ });
    await page.getByRole('button', { name: 'Submit' }).click();
    // The browser stops the form: the box is required.
    await expect(page.locator('#setuju-swafoto:invalid')).toHaveCount(1);
    await expect(page).toHaveURL(link);
    await consent.check();
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page).toHaveURL(new RegExp(`/verifikasi/terkirim\\?nomor=${number}`));
  });
});
