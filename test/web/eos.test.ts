// The explorer's Edge-of-stability view in a real Chromium: the default run ends at the edge, #result equals the CLI's summary.json.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import type { Browser, Page } from 'puppeteer-core';
import { CHROMIUM, openExplorer } from './browser';
import type { StaticServer } from '../../src/cli/staticServer';
import { writeNpz } from '../../src/io/npz';
import { BIN } from '../cli/helpers';
import { parseState } from '../../src/explore/state';
import type { EosValues } from '../../src/explore/params';
import { EOS_DATA_FILE, eosCliArgs, eosData } from '../../src/explore/eos';

// What the functions run inside the page see (this project's tsconfig has no DOM library).
declare const document: { body: { dataset: Record<string, string | undefined> } };
type TextInput = { value: string; dispatchEvent(e: unknown): boolean };
declare const Event: new (type: string, init?: { bubbles: boolean }) => unknown;

const SHOTS = path.resolve(process.env.CATAPULT_SCREENSHOTS ?? path.join(os.tmpdir(), 'catapult-explorer-screens'));
/** The CLI's runs read the page's data from here, as the page's command line says (`--data eos-chebyshev.npz`). */
const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-eos-view-'));

/**
 * How far a summary number may be from the CLI's, relative. The page trains on the same data bits (checked) with the same
 * kernels on the same wasm flavor, but tanh is the JS engine's Math.tanh, and Chromium's differs from Node's in the last
 * bit on a few inputs in 10⁴; GD at the edge carries such differences into the last digits. Perturbing 1 in 1429 tanh
 * values by one ulp in Node moves the default run's final S and λ by 1.5e-15 and its final loss by 1.1e-14 relative;
 * 1e-12 leaves a margin of about 100×.
 */
const TOLERANCE = 1e-12;

let browser: Browser;
let page: Page;
let server: StaticServer;
let worst = 0;

/** Waits until the page has finished a run (at least `minRuns` in all), or shows a bad input or an error. */
async function settled(minRuns = 0, timeout = 60_000): Promise<string> {
  await page.waitForFunction(
    (n: number) => {
      const s = document.body.dataset.status;
      return (s === 'done' && Number(document.body.dataset.runs) >= n) || ['invalid', 'error'].includes(s ?? '');
    },
    { timeout },
    minRuns,
  );
  return page.evaluate(() => document.body.dataset.status ?? '');
}

const runs = async () => Number(await page.evaluate(() => document.body.dataset.runs));
const json = async (sel: string) => JSON.parse((await page.$eval(sel, (e) => e.textContent)) ?? 'null');
const text = (sel: string) => page.$eval(sel, (e) => e.textContent ?? '');

/** summary.json of `catapult train` with these arguments, on the wasm backend and one thread (the page's kernels), run in scratchDir. */
function cliSummary(args: string[]): Record<string, unknown> {
  const out = `run-${args.join('_').replace(/[^a-z0-9._-]/gi, '')}`;
  const r = spawnSync(process.execPath, [BIN, ...args, '--out', out, '--quiet'], {
    cwd: scratchDir,
    encoding: 'utf8',
    env: { ...process.env, CATAPULT_BACKEND: 'wasm', CATAPULT_THREADS: '1' },
    timeout: 120_000,
  });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(fs.readFileSync(path.join(scratchDir, out, 'summary.json'), 'utf8'));
}

/** Every field of the page's summary equal to the CLI's: the same names, numbers within TOLERANCE relative, the rest exactly. */
function sameFields(pageValue: unknown, cli: unknown, at = 'summary'): void {
  if (typeof cli === 'number' && typeof pageValue === 'number') {
    const d = cli === pageValue ? 0 : Math.abs(pageValue - cli) / Math.max(Math.abs(pageValue), Math.abs(cli));
    assert.ok(d <= TOLERANCE, `${at}: page ${pageValue} vs CLI ${cli} (relative ${d})`);
    worst = Math.max(worst, d);
    return;
  }
  if (cli !== null && typeof cli === 'object') {
    assert.equal(Object.keys(pageValue as object), Object.keys(cli), `${at}: the same field names`);
    for (const k of Object.keys(cli)) sameFields((pageValue as never)[k], (cli as never)[k], `${at}.${k}`);
    return;
  }
  assert.is(pageValue, cli, at);
}

/** The page's values, read from its own URL. */
async function valuesOfPage(): Promise<EosValues> {
  return parseState(new URL(page.url()).search).values as EosValues;
}

async function setInput(sel: string, value: string): Promise<void> {
  await page.$eval(
    sel,
    (e, v) => {
      (e as unknown as TextInput).value = v as string;
      e.dispatchEvent(new Event('input', { bubbles: true }));
    },
    value,
  );
}

if (!fs.existsSync(CHROMIUM)) {
  console.log(`edge-of-stability browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
} else {
  test.before(async () => {
    ({ server, browser, page } = await openExplorer(860));
    const d = eosData();
    writeNpz(path.join(scratchDir, EOS_DATA_FILE), { X: d.X, Y: d.Y });
  });

  test.after(async () => {
    console.log(`eos view: largest relative difference of a summary field from the CLI's: ${worst}`);
    await browser?.close();
    await server?.close();
    fs.rmSync(scratchDir, { recursive: true, force: true });
  });

  test('the default run ends at the edge (S·η/2 within 10 % of 1); #result equals `catapult train --track hessian`', async () => {
    const started = Date.now();
    await page.goto(`${server.url}?view=eos`);
    assert.is(await settled(1), 'done');
    console.log(`eos view: the default run (GD, then gradient flow) took ${((Date.now() - started) / 1000).toFixed(1)} s in Chromium`);
    // The page trains on the arrays the CLI reads from eos-chebyshev.npz, bit for bit (Chromium's cos and sin agree with Node's here).
    const data = await json('#eos-data');
    const d = eosData();
    assert.equal(data, { X: Array.from(d.X.data), Y: Array.from(d.Y.data) });
    const r = await json('#result');
    const ratio = (r.final_hessian * r.eta) / 2;
    console.log(`eos view: the default run's final S·η/2 = ${ratio}`);
    assert.ok(Math.abs(ratio - 1) <= 0.1, `final S·η/2 = ${ratio}`);
    const v = await valuesOfPage();
    assert.match(await text('#cli'), eosCliArgs(v, 'gd').join(' '));
    sameFields(r, cliSummary(eosCliArgs(v, 'gd')));
    // Gradient flow from the same initialization sharpens past the edge that GD stays at.
    const flow = await json('#flow-result');
    sameFields(flow, cliSummary(eosCliArgs(v, 'flow')));
    assert.is(flow.schedule.flow, 'gradient');
    assert.is(await text('#phase'), 'edge');
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'explorer-eos.png') });
  });

  test('moving the η slider reruns, rewrites the URL, and still equals the CLI', async () => {
    await page.goto(`${server.url}?view=eos&lr=0.08&width=8&depth=2&steps=60&seed=1`);
    assert.is(await settled(1), 'done');
    // Every input applies (the model is always the mlp, so the depth is never switched off).
    const disabled = await page.$$eval(
      '#controls input',
      (es) => es.filter((e) => (e as unknown as { disabled: boolean }).disabled).length,
    );
    assert.is(disabled, 0);
    const before = await runs();
    await setInput('#slider-eta', '0.1');
    assert.is(await settled(before + 1), 'done');
    assert.is(new URL(page.url()).searchParams.get('lr'), '0.1');
    const r = await json('#result');
    assert.is(r.eta, 0.1);
    assert.is(r.steps_run, 60);
    sameFields(r, cliSummary(eosCliArgs(await valuesOfPage(), 'gd')));
  });

  test("bad inputs are the CLI's one-line errors beside their input; the last run stays", async () => {
    const before = await json('#result');
    await setInput('#in-eta', '-1');
    assert.is(await settled(), 'invalid');
    assert.is(await text('#err-eta'), "--lr must be a finite number > 0, got '-1'");
    await setInput('#in-width', '999');
    assert.is(await text('#err-width'), "--width must be an integer in [1, 256], got '999'");
    assert.equal(await json('#result'), before);
  });
}

test.run();
