import { test } from '@playwright/test';
import { createSigner, expect } from '../fixtures';

test('asking for an unlock link answers the same for any email', async ({ page }) => {
  const signer = createSigner();
  const answers: string[] = [];
  for (const email of [signer.email, 'tidak.ada@kominfo.go.id']) {
    await page.goto('/login');
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
    await page.getByText('Masuk dari browser ini dikunci?').click();
    await page.locator('#unlock-email').fill(email);
    await page.getByRole('button', { name: 'Kirim tautan buka kunci' }).click();
    const status = page.getByRole('status');
    await expect(status).toContainText('tautan buka kunci telah dikirim');
    answers.push((await status.textContent()) ?? '');
  }
  expect(answers[0]).toBe(answers[1]);
});

test('an unknown unlock link says so and changes nothing', async ({ page }) => {
  await page.goto('/buka-kunci?token=bukan-token-yang-sah');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByRole('heading', { name: 'Buka kunci akun' })).toBeVisible();
  await page.getByRole('button', { name: 'Buka kunci akun' }).click();
  await expect(page.getByRole('alert')).toContainText('Tautan buka kunci tidak berlaku');
  await expect(page.getByRole('button', { name: 'Buka kunci akun' })).toBeVisible();
});
