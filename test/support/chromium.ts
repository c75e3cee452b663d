/*
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core
 * (test tools cannot download browsers here). Where it is missing the tests are skipped with a
 * loud reason on a developer machine, and fail under CI=true.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a closed network: without the background-networking ones Chromium keeps dialling out. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/**
 * `describe` when Chromium is installed; otherwise `describe.skip` with a loud warning, or (under
 * CI) a failing test saying what is missing.
 */
export function describeInChromium(what: string): jest.Describe {
  if (existsSync(CHROMIUM)) return describe;
  const reason = `${CHROMIUM} is missing: ${what} is SKIPPED (apt-get install chromium)`;
  if (process.env.CI) {
    test('Chromium is installed (required in CI)', () => {
      throw new Error(reason);
    });
  } else {
    console.warn(`\n\n*** ${reason} ***\n`);
  }
  return describe.skip;
}

/** Launches headless Chromium; each launch gets a fresh temporary profile. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}
