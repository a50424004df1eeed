// The page-weight budget (scripts/page-weight.sh): the signer pages of the
// release site (hashed, precompressed) served by the real server, measured
// in Chromium from its network log. The rest is the e2e suite's setup.
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

export default defineConfig({
  ...base,
  testDir: './weight',
  fullyParallel: false,
  workers: 1,
  projects: undefined,
});
