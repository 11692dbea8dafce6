// The Phase-diagram view's depth mode in a real Chromium: progress and cancel, and constants equal to criticalSweep's in node.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'puppeteer-core';
import { CHROMIUM, openExplorer } from './browser';
import type { StaticServer } from '../../src/cli/staticServer';
import { useBackend } from '../../src/linalg/backend';
import { parseState } from '../../src/explore/state';
import type { DiagramValues } from '../../src/explore/params';
import { depthCriticalOptions, depthGrid, depthNets, depthSetup } from '../../src/explore/depth';
import { criticalSweep, setup } from '../../src/experiments';

// What the functions run inside the page see (this project's tsconfig has no DOM library).
declare const document: {
  body: { dataset: Record<string, string | undefined> };
  getElementById(id: string): { getAttribute(name: string): string | null } | null;
};

const SHOTS = path.resolve(process.env.CATAPULT_SCREENSHOTS ?? path.join(os.tmpdir(), 'catapult-explorer-screens'));
const TINY = '?view=diagram&mode=depth&depths=2,3&net-widths=16&cs=2^0:3:0.5&horizon=10&samples=16&seed=0';

let browser: Browser;
let page: Page;
let server: StaticServer;

/** Waits until the page is idle, done (at least `minRuns` in all), cancelled, or shows a bad input or an error. */
async function settled(minRuns = 0, timeout = 60_000): Promise<string> {
  await page.waitForFunction(
    (n: number) => {
      const s = document.body.dataset.status;
      return (s === 'done' && Number(document.body.dataset.runs) >= n) || ['invalid', 'idle', 'error', 'cancelled'].includes(s ?? '');
    },
    { timeout },
    minRuns,
  );
  return page.evaluate(() => document.body.dataset.status ?? '');
}

const result = async () => JSON.parse((await page.$eval('#result', (e) => e.textContent)) ?? 'null');
const text = (sel: string) => page.$eval(sel, (e) => e.textContent ?? '');

if (!fs.existsSync(CHROMIUM)) {
  console.log(`phase-diagram depth-mode browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
} else {
  test.before(async () => {
    ({ server, browser, page } = await openExplorer(780));
  });

  test.after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('depth mode: progress, then cancel keeps the finished nets and says so', async () => {
    await page.goto(`${server.url}?view=diagram&mode=depth`);
    assert.is(await settled(), 'idle');
    assert.match(await text('#verdict'), /^16 nets \(depths 2,3,4,5 × widths 16,32,64,128\), up to 101 values of c each, T = 10/);
    await page.click('#compute');
    await page.waitForFunction(() => Number(document.getElementById('progress')!.getAttribute('value')) > 0, { timeout: 10_000 });
    await page.click('#cancel');
    assert.is(await settled(), 'cancelled');
    const partial = await result();
    assert.is(partial.complete, false);
    assert.ok(partial.nets.length < 16, `${partial.nets.length} nets before cancel`);
    assert.match(await text('#count'), /^net \d+ of 16 \(d = \d, w = \d+\), c = /);
  });

  test("depth mode: a tiny grid runs to the end, and every net's constants equal criticalSweep's in node (wasm, 1 thread), exactly", async () => {
    await page.goto(`${server.url}${TINY}`);
    assert.is(await settled(), 'idle');
    await page.click('#compute');
    assert.is(await settled(1), 'done');
    const r = await result();
    assert.is(r.complete, true);
    useBackend('wasm', 1); // the page's kernels
    const v = parseState(TINY).values as DiagramValues;
    // The grid's 2^x comes from the JS engine's Math.pow: Chromium's is correctly rounded at 2^1.5 and 2^2.5, Node 20's is
    // one ulp below. The same setup is the page's grid, then; it is within an ulp of the CLI's.
    const cli = depthGrid(v);
    assert.is(r.cs.length, cli.length);
    r.cs.forEach((c: number, i: number) => assert.ok(Math.abs(c - cli[i]) <= Number.EPSILON * cli[i], `c ${c} vs ${cli[i]}`));
    const nets = depthNets(v);
    assert.is(r.nets.length, nets.length);
    nets.forEach(({ depth, width }, k) => {
      const o = { ...depthCriticalOptions(v), cs: r.cs };
      const { points, horizon, ...want } = criticalSweep(setup(depthSetup(depth, width, v)), o);
      assert.equal(r.nets[k], { depth, width, ratio: depth / width, ...want, runs: points.length }, `d = ${depth}, w = ${width}`);
      assert.is(horizon, 10);
    });
    assert.match(await text('#verdict'), /^2 of 2 nets, \d+ runs; at d\/w = 0\.188: c_loss /);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'explorer-diagram-depth-tiny.png') });
  });
}

test.run();
