// `catapult explore`: serves the explorer page (the engine runs in the browser; this server only hands out its files).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { flag, int } from '../options';
import { defineCommand } from './command';
import { StaticServer, serveStatic } from './staticServer';

/** Where `npm run build:web` puts the page (dist/web, beside dist/src). */
export function explorerDir(): string {
  return path.join(__dirname, '..', '..', 'web');
}

/** A program that opens a URL in the desktop's browser, if this machine has one on PATH. */
function opener(): string | null {
  const names = process.platform === 'darwin' ? ['open'] : process.platform === 'win32' ? [] : ['xdg-open'];
  for (const name of names)
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      const file = path.join(dir, name);
      if (fs.existsSync(file)) return file;
    }
  return null;
}

/**
 * Serves the built explorer; resolves once it listens (the server then runs until the process ends).
 *
 * @example
 * const s = await startExplorer(0); // s.url: http://127.0.0.1:<free port>/
 */
export async function startExplorer(port: number, dir = explorerDir()): Promise<StaticServer> {
  if (!fs.existsSync(path.join(dir, 'index.html')) || !fs.existsSync(path.join(dir, 'explorer.js')))
    throw new Error(`the explorer is not built (${path.join(dir, 'index.html')} is missing); run \`npm run build:web\``);
  return serveStatic(dir, port);
}

export const explore = defineCommand({
  name: 'explore',
  summary: 'serve the interactive explorer (the engine runs in the browser) and print its URL',
  options: {
    port: int({ flag: 'port', arg: 'P', help: 'TCP port on 127.0.0.1 (0: any free port)', min: 0, max: 65535, default: 8017 }),
    noOpen: flag({ flag: 'no-open', help: 'do not open a browser (by default xdg-open opens one where there is one)' }),
  },
  notes: 'The page is static (npm run build:web writes it to dist/web); any static host can serve that folder.',
  async run(o) {
    const server = await startExplorer(o.port);
    const url = `${server.url}?view=phases`;
    console.log(`catapult explorer: ${url} (Ctrl-C stops it)`);
    const open = o.noOpen ? null : opener();
    if (open !== null)
      spawn(open, [url], { stdio: 'ignore', detached: true })
        .on('error', () => {})
        .unref();
    await new Promise<never>(() => {}); // serve until the process is stopped
  },
});
