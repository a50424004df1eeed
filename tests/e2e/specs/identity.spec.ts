import { test } from '@playwright/test';
import { createSigner, createVerifier, expect, logInInBrowser, requestOtp, waitForMail, linkIn } from '../fixtures';
import { baseURL, facePhoto } from '../playwright.config';

test.describe('with the camera allowed', () => {
  test.use({ permissions: ['camera'] });

  test('Ambil Foto takes the selfie, a verifier approves it, the setup link works', async ({ page, browser }) => {
    const signer = createSigner();
    const { number, link } = await requestOtp(signer);
    await page.goto(link);
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
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
  await page.getByRole('button', { name: 'Ambil Foto' }).click();
  await expect(page.getByText('Izin kamera ditolak')).toBeVisible();
  await page.getByLabel('Foto wajah (swafoto)').setInputFiles(facePhoto);
  await expect(page.getByAltText('Pratinjau swafoto Anda')).toBeVisible();
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page).toHaveURL(new RegExp(`/verifikasi/terkirim\\?nomor=${number}`));
});
