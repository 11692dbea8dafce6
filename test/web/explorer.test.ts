// The explorer in a real Chromium: views loaded by URL, a slider moved, #result equal to the CLI's summary.json, errors and screenshots.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import type { Browser, Page } from 'puppeteer-core';
import { CHROMIUM, openExplorer } from './browser';
import { explorerDir } from '../../src/cli/explore';
import type { StaticServer } from '../../src/cli/staticServer';
import { useBackend } from '../../src/linalg/backend';
import { BIN } from '../cli/helpers';
import { parseState } from '../../src/explore/state';
import type { PhasesValues } from '../../src/explore/params';
import { phasesCliArgs } from '../../src/explore/phases';

// What the functions run inside the page see (this project's tsconfig has no DOM library).
declare const document: {
  body: { dataset: Record<string, string | undefined> };
  getElementById(id: string): { textContent: string | null; getAttribute(name: string): string | null } | null;
};
type TextInput = { value: string; dispatchEvent(e: unknown): boolean };
declare const Event: new (type: string, init?: { bubbles: boolean }) => unknown;

/** Where the screenshots go (CATAPULT_SCREENSHOTS=docs refreshes those docs/explorer.md shows). */
const SHOTS = path.resolve(process.env.CATAPULT_SCREENSHOTS ?? path.join(os.tmpdir(), 'catapult-explorer-screens'));
const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-explorer-'));

let browser: Browser;
let page: Page;
let server: StaticServer;
/** The largest relative difference between a page field and the CLI's, over every comparison (printed at the end). */
let worst = 0;

/** Waits until the page has finished what it was doing (a run, or showing a bad input). */
async function settled(p: Page, minRuns = 0): Promise<string> {
  await p.waitForFunction(
    (n: number) => {
      const s = document.body.dataset.status;
      return (s === 'done' && Number(document.body.dataset.runs) >= n) || ['invalid', 'idle', 'error', 'cancelled'].includes(s ?? '');
    },
    { timeout: 20_000 },
    minRuns,
  );
  return p.evaluate(() => document.body.dataset.status ?? '');
}

async function load(query: string): Promise<string> {
  await page.goto(`${server.url}${query}`);
  return settled(page, query.includes('view=diagram') ? 0 : 1);
}

const result = async () => JSON.parse((await page.$eval('#result', (e) => e.textContent)) ?? 'null');
const text = (sel: string) => page.$eval(sel, (e) => e.textContent ?? '');

/** summary.json of `catapult train` on the wasm backend, one thread (the page's kernels). */
function cliSummary(args: string[]): Record<string, unknown> {
  const out = path.join(scratchDir, `run-${args.join('_').replace(/[^a-z0-9._-]/gi, '')}`);
  const r = spawnSync(process.execPath, [BIN, ...args, '--out', out, '--quiet'], {
    encoding: 'utf8',
    env: { ...process.env, CATAPULT_BACKEND: 'wasm', CATAPULT_THREADS: '1' },
    timeout: 60_000,
  });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
}

/** Every field equal: numbers to 1e-15 relative, the rest exactly; returns the largest relative difference seen. */
function sameFields(page: unknown, cli: unknown, at = 'summary'): number {
  if (typeof cli === 'number' && typeof page === 'number') {
    const d = cli === page ? 0 : Math.abs(page - cli) / Math.max(Math.abs(page), Math.abs(cli));
    assert.ok(d <= 1e-15, `${at}: page ${page} vs CLI ${cli} (relative ${d})`);
    worst = Math.max(worst, d);
    return d;
  }
  if (cli !== null && typeof cli === 'object') {
    assert.equal(Object.keys(page as object), Object.keys(cli), `${at}: the same field names`);
    return Math.max(0, ...Object.keys(cli).map((k) => sameFields((page as never)[k], (cli as never)[k], `${at}.${k}`)));
  }
  assert.is(page, cli, at);
  return 0;
}

/** The page's options as `catapult train` arguments, read from its own URL. */
async function cliArgsOfPage(): Promise<string[]> {
  return phasesCliArgs(parseState(new URL(page.url()).search).values as PhasesValues);
}

async function shot(name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `explorer-${name}.png`) });
}

/** Sets an input's value as a user's edit would (one input event). */
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
  console.log(`explorer browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
} else {
  test.before(async () => {
    ({ server, browser, page } = await openExplorer(780));
  });

  test.after(async () => {
    console.log(`explorer: largest relative difference of a #result field from the CLI's summary.json: ${worst}`);
    await browser?.close();
    await server?.close();
    fs.rmSync(scratchDir, { recursive: true, force: true });
  });

  test('phases: #result equals the CLI summary.json (wasm, 1 thread) to 1e-15, in the same kernels', async () => {
    assert.is(await load('?view=phases&model=warmup&width=1000&seed=0&lr=1.5x&steps=200'), 'done');
    const flavor = useBackend('wasm', 1).flavor;
    assert.match(await text('#engine'), new RegExp(`wasm ${flavor}, 1 thread`));
    const page = await result();
    assert.is(page.phase, 'catapult');
    sameFields(page, cliSummary(await cliArgsOfPage()));
    assert.is(await text('#phase'), 'catapult');
    await shot('phases');
  });

  test('moving the η·λ0 slider reruns, rewrites the URL, and still equals the CLI', async () => {
    const runs = Number(await page.evaluate(() => document.body.dataset.runs));
    await setInput('#slider-lr', '1.2');
    assert.is(await settled(page, runs + 1), 'done');
    assert.is(new URL(page.url()).searchParams.get('lr'), '0.6x');
    assert.is(await page.$eval('#in-lr', (e) => (e as unknown as TextInput).value), '0.6x');
    const r = await result();
    assert.is(r.phase, 'lazy');
    sameFields(r, cliSummary(await cliArgsOfPage()));
  });

  test('the linear model, and an MLP wide enough for the wasm gemm kernels, equal the CLI too', async () => {
    for (const q of [
      '?view=phases&model=linear&width=300&seed=2&lr=1.8x&steps=60',
      '?view=phases&model=mlp&width=512&seed=1&lr=1x&steps=20',
    ]) {
      assert.is(await load(q), 'done', q);
      sameFields(await result(), cliSummary(await cliArgsOfPage()));
    }
  });

  test("the mlp's depth, activation, parameterization and data set: URL state, equal to the CLI, off under warmup", async () => {
    const q = '?view=phases&model=mlp&width=64&seed=0&lr=1x&steps=15&depth=2&act=relu&param=standard&dataset=synthetic';
    assert.is(await load(q), 'done');
    const r = await result();
    assert.equal([r.model.depth, r.model.act, r.model.param], [2, 'relu', 'standard']);
    sameFields(r, cliSummary(await cliArgsOfPage()));
    assert.match(await text('#cli'), /--depth 2 --act relu --param standard --dataset synthetic --classes 0,1/);
    // tanh runs too; its values are not compared: the browser's Math.tanh may differ from Node's in the last bit.
    const runs = Number(await page.evaluate(() => document.body.dataset.runs));
    await page.select('#in-act', 'tanh');
    assert.is(await settled(page, runs + 1), 'done');
    assert.is((await result()).model.act, 'tanh');
    assert.is(new URL(page.url()).searchParams.get('act'), 'tanh');
    const disabled = () => page.$eval('#in-depth', (e) => (e as unknown as { disabled: boolean }).disabled);
    assert.is(await disabled(), false);
    await page.select('#in-model', 'warmup');
    await settled(page, runs + 2);
    assert.is(await disabled(), true, 'depth does not apply to warmup');
    assert.is(new URL(page.url()).searchParams.get('depth'), '2', 'but stays in the URL');
  });

  test('the static build runs opened as a file, with no server (the kernels are inside the bundle)', async () => {
    await page.goto(`file://${path.join(explorerDir(), 'index.html')}?view=phases&width=200&steps=30`);
    assert.is(await settled(page, 1), 'done');
    assert.is((await result()).steps_run, 30);
  });

  test('a divergent η shows "diverged at step t", as the CLI records it', async () => {
    assert.is(await load('?view=phases&model=warmup&width=1000&seed=0&lr=2.6x&steps=200'), 'done');
    const r = await result();
    const cli = cliSummary(await cliArgsOfPage());
    sameFields(r, cli);
    assert.type(cli.diverged_at, 'number');
    assert.match(await text('#verdict'), new RegExp(`^diverged at step ${cli.diverged_at} `));
    assert.is(await text('#phase'), 'divergent');
  });

  test('bad inputs show beside their input; the page keeps the last run', async () => {
    assert.is(await load('?view=phases&model=warmup&width=300&seed=0&lr=1.5x&steps=50'), 'done');
    const before = await result();
    await setInput('#in-width', '-3');
    assert.is(await settled(page), 'invalid');
    assert.is(await text('#err-width'), "--width must be an integer in [1, 20000], got '-3'");
    await setInput('#in-seed', 'NaN');
    assert.match(await text('#err-seed'), /^--seed must be an integer/);
    assert.is(await text('#page-error'), '');
    assert.equal(await result(), before);
    assert.is(new URL(page.url()).searchParams.get('width'), '-3');
    assert.is(await load('?view=phases&bogus=1'), 'invalid');
    assert.match(await text('#page-error'), /the phases view does not use 'bogus'/);
  });

  test('loss surface: the GD path on the (a, b) plane, play/pause', async () => {
    assert.is(await load('?view=surface&width=500&seed=0&lr=1.5x&steps=100&grid=61'), 'done');
    const r = await result();
    assert.is(r.phase, 'catapult');
    assert.is(r.eta_lambda0, 3);
    await shot('surface');
    await page.click('#play');
    await page.waitForFunction(() => /^step [1-9]\d* of/.test(document.getElementById('frame')!.textContent ?? ''), { timeout: 5000 });
    await page.click('#play');
    assert.is(await text('#play'), 'play');
  });

  test('phase diagram: progress and cancel, then a full grid with widths overlaid', async () => {
    // Wide and long enough (minutes) that cancel comes first.
    assert.is(await load('?view=diagram&widths=20000,19999&points=200&tau=100'), 'idle');
    await page.click('#compute');
    await page.waitForFunction(() => Number(document.getElementById('progress')!.getAttribute('value')) > 0, { timeout: 10_000 });
    await page.click('#cancel');
    assert.is(await settled(page), 'cancelled');
    const partial = await result();
    assert.is(partial.complete, false);
    assert.ok(partial.points.length > 0 && partial.points.length < 400, `${partial.points.length} points before cancel`);
    assert.is(await load('?view=diagram&widths=100,1000&from=0.2&to=4.6&points=23&tau=25'), 'idle');
    await page.click('#compute');
    assert.is(await settled(page, 1), 'done');
    const full = await result();
    assert.is(full.complete, true);
    assert.is(full.points.length, 46);
    // The paper's picture: λ_T stays at λ0 below η_crit, drops in the catapult phase, and runs diverge past η_max.
    for (const p of full.points) {
      if (p.eta_lambda0 < 1.9) assert.ok(Math.abs(p.lambda_T / p.lambda0 - 1) < 0.05, `lazy at ${p.eta_lambda0}`);
      if (p.eta_lambda0 > 2.2 && p.eta_lambda0 < 3.8) assert.ok(p.lambda_T * p.eta < 2, `catapult below 2/η at ${p.eta_lambda0}`);
      if (p.eta_lambda0 > 4.4) assert.type(p.diverged_at, 'number');
    }
    await shot('diagram');
  });
}

test.run();
