import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (never a browser a test tool downloads); RECSYS_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.RECSYS_CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium with the background traffic switched off: this machine's network refuses it, and it blurs timings. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
