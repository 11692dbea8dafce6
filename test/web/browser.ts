// What the browser tests share: where Chromium is, and the explorer served and opened in it.
import type { Browser, Page } from 'puppeteer-core';
import { startExplorer } from '../../src/cli/explore';
import type { StaticServer } from '../../src/cli/staticServer';

export const CHROMIUM = process.env.CATAPULT_CHROMIUM ?? '/usr/bin/chromium';

/** The explorer on a free port, a headless Chromium, and one page of the given height that reports its errors. */
export async function openExplorer(height: number): Promise<{ server: StaticServer; browser: Browser; page: Page }> {
  const puppeteer = await import('puppeteer-core');
  const server = await startExplorer(0);
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const page = await browser.newPage();
  await page.setViewport({ width: 1240, height });
  page.on('pageerror', (e) => console.error(`page error: ${e instanceof Error ? e.message : String(e)}`));
  return { server, browser, page };
}
