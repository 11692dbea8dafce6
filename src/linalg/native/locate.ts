// Where the native addon is: dist/native (a checkout's build), or a cache folder an installed package builds it into on first use.
import * as fs from 'fs';
import * as path from 'path';

/** What scripts/build-native.js exports: the cache folder of these sources, the quick checks, and the compile. */
interface NativeBuild {
  nativeCacheDir(): string;
  toolchain(): { why?: string };
  compile(toolchain: object, outDir: string): { built: boolean; why: string };
}

/**
 * The package's root (dist/src/linalg/native → four up), where dist/, scripts/ and the C sources are. A function, not a
 * constant: the explorer's bundle includes this module, and a page has no __dirname to evaluate at load.
 */
const root = () => path.join(__dirname, '..', '..', '..', '..');

/** Where a checkout's build puts the addon (dist/native, beside dist/wasm). */
export function nativeAddonPath(): string {
  return path.join(root(), 'dist', 'native', 'catapult_native.node');
}

/** The build script the package ships (with the C sources), or null where it is not (a page's bundle). */
function buildScript(): NativeBuild | null {
  const file = path.join(root(), 'scripts', 'build-native.js');
  try {
    return fs.existsSync(file) ? (require(file) as NativeBuild) : null;
  } catch {
    return null;
  }
}

/**
 * The addon file to load: dist/native's, else the cache folder's, compiled there now if it is not yet (npm runs no
 * install script of a dependency unless the user approves it, so an installed package builds on first use; one line
 * on stderr says so). Throws with why there is none: no compiler or headers (checked again each time: cheap), or a
 * compile that failed (remembered beside the cache, so it is not retried until that file goes).
 *
 * @example
 * require(locateAddon()); // ~/.cache/catapult/native-<hash>/catapult_native.node in an installed package
 */
export function locateAddon(): string {
  const own = nativeAddonPath();
  if (fs.existsSync(own)) return own;
  const build = buildScript();
  if (build === null)
    throw new Error(`the native addon is not built (${own} is missing; it needs gcc and libopenblas-dev, then \`npm run build\`)`);
  const dir = build.nativeCacheDir();
  const cached = path.join(dir, 'catapult_native.node');
  if (fs.existsSync(cached)) return cached;
  const tc = build.toolchain();
  if (tc.why !== undefined) throw new Error(tc.why);
  const failed = path.join(dir, 'unavailable.txt');
  if (fs.existsSync(failed)) throw new Error(fs.readFileSync(failed, 'utf8'));
  const r = build.compile(tc, dir);
  if (!r.built) {
    const why = `${r.why} (remove ${failed} to try again)`;
    try {
      fs.writeFileSync(failed, why);
    } catch {
      // an unwritable cache: the next run tries again
    }
    throw new Error(why);
  }
  process.stderr.write(`catapult: native backend built on first use (${r.why}): ${cached}\n`);
  return cached;
}

/**
 * Writes `line` on stderr unless `reason` was told on this machine already (by the install's own build, or an earlier
 * run): the absence of the native backend is one line, once, not a line on every command.
 *
 * @example
 * noticeOnce('no OpenBLAS headers (…)', 'catapult: running on wasm (fma, 2 threads): …');
 */
export function noticeOnce(reason: string, line: string): void {
  const build = buildScript();
  const file = build === null ? null : path.join(build.nativeCacheDir(), 'notice.txt');
  try {
    if (file !== null && fs.readFileSync(file, 'utf8') === reason) return;
  } catch {
    // not told yet
  }
  process.stderr.write(`${line}\n`);
  try {
    if (file !== null) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, reason);
    }
  } catch {
    // an unwritable cache: told again next time
  }
}
