// The lock of a sweep directory: proper-lockfile's atomic mkdir with a refreshed mtime, and a race-free stale takeover.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as Lockfile from 'proper-lockfile';
import { fsErrorMessage } from '../../io/files';

/**
 * proper-lockfile, loaded only when a sweep or merge takes a lock: at load it installs SIGTERM/SIGINT handlers
 * (signal-exit), which would make every other command (a long synchronous training run) deaf to `kill`.
 */
export function lockfile(): typeof Lockfile {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require('proper-lockfile') as typeof Lockfile;
}

/** How old (ms) a lock whose holder stopped refreshing it must be before another process may take it over. */
export const LOCK_STALE_MS = 30_000;

/** DIR/sweep.lock: a directory made atomically (proper-lockfile's mkdir scheme), its mtime refreshed while held. */
export const lockPath = (dir: string) => path.join(dir, 'sweep.lock');

/** Who holds a lock: written beside the lock directory (sweep.lock.json), so a rerun on the same host can tell a dead holder at once. */
interface LockOwner {
  host: string;
  pid: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The locks this process holds now (resolved paths): its own PID on one of these is a live holder, not a restart. */
const heldHere = new Set<string>();

/**
 * The lock's holder is known to be gone: a dead process on this host, or this very PID while this process does not
 * hold the lock (a container restart reused the PID).
 */
function holderIsGone(at: string): boolean {
  let owner: Partial<LockOwner> = {};
  try {
    owner = JSON.parse(fs.readFileSync(`${at}.json`, 'utf8'));
  } catch {
    return false;
  } // no owner yet: the mtime decides
  if (owner.host !== os.hostname() || typeof owner.pid !== 'number') return false;
  return owner.pid === process.pid ? !heldHere.has(path.resolve(at)) : !pidAlive(owner.pid);
}

/**
 * How far (ms) an mtime is from now, either way: a date in the future is the refresh of a host whose clock runs ahead
 * (cluster hosts drift), so it counts like a date as far in the past; otherwise such a lock would block until that time.
 */
const distanceFromNow = (st: fs.Stats) => Math.abs(Date.now() - st.mtimeMs);

/**
 * Whether the lock at `at` may belong to a running sweep or merge: a real directory (proper-lockfile's; a symlink or a
 * plain file never is one) refreshed within LOCK_STALE_MS of now, whose holder is not known to be gone. sweep's
 * takeover and merge's check of its inputs both ask this, so a lock one of them would take over the other does not
 * wait for.
 */
export function lockIsLive(at: string): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(at);
  } catch {
    return false;
  }
  return st.isDirectory() && distanceFromNow(st) <= LOCK_STALE_MS && !holderIsGone(at);
}

/** proper-lockfile never removes a lock itself here (its own stale takeover races: two reruns can both win it). */
const NEVER_STALE_MS = 10 * 365 * 86_400_000;

/** Takes DIR/sweep.lock with proper-lockfile (atomic mkdir, mtime refreshed while held), or throws its ELOCKED. */
function acquire(dir: string, at: string, onLost: (e: Error) => void): () => void {
  return lockfile().lockSync(dir, {
    lockfilePath: at,
    stale: NEVER_STALE_MS,
    update: LOCK_STALE_MS / 3,
    realpath: false,
    onCompromised: onLost,
  });
}

/**
 * Removes a lock that is not live (lockIsLive), under a second lock (DIR/sweep.lock.takeover, an atomic mkdir)
 * so that of several reruns racing for it exactly one removes it; the others find the winner's lock and stop.
 * Returns whether this process removed it.
 */
function takeOverStale(at: string): boolean {
  const mutex = `${at}.takeover`;
  try {
    const st = fs.lstatSync(mutex);
    // Its taker died mid-way (or it is not a directory we made): removed, a symlink as a link, never what it points to.
    if (!st.isDirectory() || distanceFromNow(st) > 2 * LOCK_STALE_MS) fs.rmSync(mutex, { recursive: true, force: true });
  } catch {
    /* no takeover under way */
  }
  try {
    fs.mkdirSync(mutex);
  } catch {
    return false; // another rerun is taking it over
  }
  try {
    // A plain file there is an older catapult's lock, or one left empty by a full disk, and a symlink (dangling or not)
    // was never made by proper-lockfile: none is a live lock. rmSync removes a symlink itself, not its target.
    if (lockIsLive(at)) return false;
    fs.rmSync(at, { recursive: true, force: true });
    fs.rmSync(`${at}.json`, { force: true });
    return true;
  } finally {
    fs.rmSync(mutex, { recursive: true, force: true });
  }
}

/**
 * Claims DIR for this process: DIR/sweep.lock is a directory made atomically and its mtime refreshed while held
 * (proper-lockfile). A lock nobody refreshed for LOCK_STALE_MS (a killed process, another host after a requeue), or
 * dated more than that in the future (a host whose clock runs ahead), is taken over, and so at once is one whose holder
 * is a dead process on this host, and a symlink or plain file in its place; of several reruns racing for a stale lock
 * exactly one gets it. Returns the release function and a check that throws if the lock was lost.
 */
export function lock(dir: string): { release: () => void; assertHeld: () => void } {
  const at = lockPath(dir);
  let lost: Error | null = null;
  const onLost = (e: Error) => {
    lost = e;
  };
  let release: () => void;
  try {
    try {
      release = acquire(dir, at, onLost);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED' || !takeOverStale(at)) throw e;
      release = acquire(dir, at, onLost);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new Error(
        `${dir} is in use by another sweep or merge (${at} was refreshed less than ${LOCK_STALE_MS / 1000} s ago); wait for it to finish`,
      );
    }
    throw new Error(fsErrorMessage(at, e, 'write'));
  }
  try {
    fs.writeFileSync(`${at}.json`, JSON.stringify({ host: os.hostname(), pid: process.pid } satisfies LockOwner));
  } catch (e) {
    release();
    throw new Error(fsErrorMessage(`${at}.json`, e, 'write'));
  }
  const assertHeld = () => {
    if (lost) throw new Error(`${dir}: another process took over ${at} (${(lost as Error).message}); stopping so that no runs are mixed`);
  };
  heldHere.add(path.resolve(at));
  return {
    release: () => {
      heldHere.delete(path.resolve(at));
      if (!lost) {
        fs.rmSync(`${at}.json`, { force: true });
        release();
      }
    },
    assertHeld,
  };
}
