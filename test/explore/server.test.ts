// `catapult explore`'s static server: the page's files, nothing outside its folder, GET and HEAD only; one-line errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as http from 'http';
import { serveStatic } from '../../src/cli/staticServer';
import { startExplorer } from '../../src/cli/explore';
import { spawn } from 'child_process';
import { BIN, scratch } from '../cli/helpers';
import { runProgram } from '../../src/cli/program';
import { defineCommand } from '../../src/cli/command';
import { flag } from '../../src/options';

/** The message a promise rejects with (uvu's assert has no rejects). */
async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('expected a rejection');
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-static-'));
fs.mkdirSync(path.join(dir, 'site'));
fs.writeFileSync(path.join(dir, 'site', 'index.html'), '<p>hi</p>');
fs.writeFileSync(path.join(dir, 'site', 'a.js'), 'x');
fs.writeFileSync(path.join(dir, 'secret.txt'), 'no');

function get(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves the folder: index.html at /, types by extension, 404 outside it, 405 for POST', async () => {
  const s = await serveStatic(path.join(dir, 'site'), 0);
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await get(`${s.url}?view=phases&width=3`);
    assert.is(index.status, 200);
    assert.is(index.type, 'text/html; charset=utf-8');
    assert.is(index.body, '<p>hi</p>');
    assert.is((await get(`${s.url}a.js`)).type, 'text/javascript; charset=utf-8');
    assert.is((await get(`${s.url}a.js`, 'HEAD')).body, '');
    assert.is((await get(`${s.url}../secret.txt`)).status, 404);
    assert.is((await get(`${s.url}%2e%2e/secret.txt`)).status, 404);
    assert.is((await get(`${s.url}missing.js`)).status, 404);
    assert.is((await get(s.url, 'POST')).status, 405);
    assert.match(await rejection(serveStatic(path.join(dir, 'site'), Number(new URL(s.url).port))), /--port \d+ is in use/);
  } finally {
    await s.close();
  }
});

test('links are followed only to regular files inside the folder: a link to /etc/passwd or out of it is not served', async () => {
  const site = path.join(dir, 'linked');
  fs.mkdirSync(path.join(site, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(site, 'sub', 'page.html'), 'inside');
  fs.symlinkSync('/etc/passwd', path.join(site, 'passwd'));
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(site, 'secret.txt'));
  fs.symlinkSync(dir, path.join(site, 'up'));
  fs.symlinkSync(path.join(site, 'sub', 'page.html'), path.join(site, 'alias.html'));
  fs.symlinkSync(path.join(site, 'nowhere'), path.join(site, 'dangling.js'));
  const s = await serveStatic(site, 0);
  try {
    for (const name of ['passwd', 'secret.txt', 'up/secret.txt', 'up/site/a.js', 'dangling.js', 'sub', 'up']) {
      const r = await get(`${s.url}${name}`);
      assert.is(r.status, 404, name);
      assert.is(r.body, 'not found\n', name);
    }
    const alias = await get(`${s.url}alias.html`);
    assert.is(alias.status, 200);
    assert.is(alias.body, 'inside');
    assert.is((await get(`${s.url}sub/page.html`, 'HEAD')).status, 200);
  } finally {
    await s.close();
  }
});

test('explore without a built page says how to build it', async () => {
  assert.match(await rejection(startExplorer(0, path.join(dir, 'nowhere'))), /the explorer is not built .* run `npm run build:web`/);
});

test('explore: bad --port and unknown flags are one-line errors', () => {
  const { rejects, cleanup } = scratch('catapult-explore-');
  rejects(['explore', '--port', '70000'], /--port must be an integer in \[0, 65535\], got '70000'/);
  rejects(['explore', '--port', 'NaN'], /--port must be an integer/);
  rejects(['explore', '--steps', '3'], /explore does not use --steps/);
  cleanup();
});

test('catapult explore --port 0 --no-open prints the URL of a page it serves', async () => {
  const child = spawn(process.execPath, [BIN, 'explore', '--port', '0', '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.on('exit', (code) => reject(new Error(`explore exited with ${code}`)));
    });
    const m = /^catapult explorer: (http:\/\/127\.0\.0\.1:\d+\/\?view=phases) \(Ctrl-C stops it\)$/.exec(line);
    assert.ok(m, line);
    const page = await get(m![1]);
    assert.is(page.status, 200);
    assert.match(page.body, /<script type="application\/json" id="result">/);
    assert.is((await get(m![1].replace('?view=phases', 'explorer.js'))).status, 200);
  } finally {
    child.kill('SIGTERM');
  }
});

test('a declared --no-x switch is true exactly when given (commander reads it as x = false)', async () => {
  const seen: boolean[] = [];
  const spec = defineCommand({
    name: 't',
    summary: 't',
    options: { noX: flag({ flag: 'no-x', help: 'x' }) },
    run: (o) => void seen.push(o.noX),
  });
  await runProgram([spec], ['t'], 'usage');
  await runProgram([spec], ['t', '--no-x'], 'usage');
  assert.equal(seen, [false, true]);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
