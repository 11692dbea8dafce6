// A static file server for the explorer (Node's http): GET and HEAD of the files in one folder, nothing computed.
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

/** Whether `file` is `root` or lies under it (both real paths). */
function inside(root: string, file: string): boolean {
  return file === root || file.startsWith(root + path.sep);
}

/** The real path of `file`, or null when it does not exist (or a link in it dangles). */
function realPath(file: string): string | null {
  try {
    return fs.realpathSync(file);
  } catch {
    return null;
  }
}

/**
 * The real path of the regular file a request path names inside `realRoot` (a directory stands for its index.html), or
 * null: a path that leaves the root, also through a symbolic link (a link to /etc/passwd placed in the folder), is not
 * served, nor is anything but a regular file.
 */
function fileFor(realRoot: string, urlPath: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  const named = path.resolve(realRoot, `.${path.posix.normalize(`/${rel}`)}`);
  if (!inside(realRoot, named)) return null;
  let real = realPath(named);
  if (real !== null && fs.statSync(real, { throwIfNoEntry: false })?.isDirectory()) real = realPath(path.join(real, 'index.html'));
  return real !== null && inside(realRoot, real) && fs.statSync(real, { throwIfNoEntry: false })?.isFile() ? real : null;
}

/**
 * Opens a file `fileFor` chose without following a link put in its place since (O_NOFOLLOW), and checks again that it
 * is a regular file: its descriptor and size, or null.
 */
function openRegular(file: string): { fd: number; size: number } | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  const stat = fs.fstatSync(fd);
  if (stat.isFile()) return { fd, size: stat.size };
  fs.closeSync(fd);
  return null;
}

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `dir` on 127.0.0.1:`port` (0: any free port); resolves once listening, rejects with a one-line reason.
 *
 * @example
 * const s = await serveStatic('dist/web', 0); console.log(s.url); await s.close();
 */
export function serveStatic(dir: string, port: number): Promise<StaticServer> {
  // The real path, so a root reached through a link (e.g. a linked node_modules) still contains its own files.
  const root = realPath(path.resolve(dir)) ?? path.resolve(dir);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const file = fileFor(root, req.url ?? '/');
    const opened = file === null ? null : openRegular(file);
    if (file === null || opened === null) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'content-length': opened.size, 'cache-control': 'no-cache' });
    if (req.method === 'HEAD') {
      fs.closeSync(opened.fd);
      res.end();
    } else fs.createReadStream('', { fd: opened.fd }).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'EADDRINUSE' ? `--port ${port} is in use; choose another (0 picks a free one)` : e.message)),
    );
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const at = typeof address === 'object' && address !== null ? address.port : port;
      resolve({
        url: `http://127.0.0.1:${at}/`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
