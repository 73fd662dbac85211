/**
 * The data root: accounts, sessions and generated secrets live here. One process per data root,
 * enforced by a lock file naming its owner (process id, start time and boot id: see
 * process-owner.ts); a lock whose owner no longer runs (a crash, a SIGKILL, a power cut) is
 * taken over, even when its process id now belongs to another process.
 */
import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { TVS_ERR_DATA_LOCKED, TVS_ERR_DATA_ROOT } from '../errors.js'
import { describeOwner, ownerRuns, parseOwner } from './process-owner.js'
import type { ProcessProbe } from './process-owner.js'

export const LOCK_FILE = 'tavern-server.lock'

export interface DataRoot {
  readonly path: string
  /** Removes the lock file (only if it is still ours). */
  release (): void
}

export interface LockOwner extends ProcessProbe {
  pid: number
}

function reason (error: unknown): string {
  return (error as Error).message
}

/**
 * Creates the data root if needed (mode 0700: it holds secrets) and takes its lock.
 * @example const root = openDataRoot('/srv/tavern/data', { pid: 42, isRunning: () => false })
 */
export function openDataRoot (path: string, owner: LockOwner): DataRoot {
  const lock = join(path, LOCK_FILE)
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 })
  } catch (error) {
    throw new TVS_ERR_DATA_ROOT(path, reason(error), { cause: error })
  }
  const content = `${JSON.stringify(describeOwner(owner.pid, owner.procRoot))}\n`
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lock, content, { flag: 'wx', mode: 0o600 })
      break
    } catch (error) {
      /* c8 ignore next 3 -- EACCES/EROFS on a folder mkdir accepted; tests run as root, which both bypass */
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new TVS_ERR_DATA_ROOT(path, reason(error), { cause: error })
      }
      const holder = parseOwner(readLock(lock))
      if (attempt > 0 || (holder !== undefined && holder.pid !== owner.pid && ownerRuns(holder, owner, writtenAt(lock)))) {
        throw new TVS_ERR_DATA_LOCKED(path, holder === undefined ? 'unknown' : String(holder.pid), lock, { cause: error })
      }
      // A stale lock: its process is gone. Remove it and try once more.
      unlinkQuietly(lock)
    }
  }
  return {
    path,
    release () {
      if (readLock(lock) === content) unlinkQuietly(lock)
    }
  }
}

/** When the lock was written; 0 for a lock gone meanwhile (stale: the next attempt takes it). */
function writtenAt (lock: string): number {
  try {
    return statSync(lock).mtimeMs
  /* c8 ignore start -- removed between being read and its stat: a race of microseconds */
  } catch {
    return 0
  }
  /* c8 ignore stop */
}

function readLock (lock: string): string {
  try {
    return readFileSync(lock, 'utf8')
  } catch {
    return ''
  }
}

function unlinkQuietly (file: string): void {
  try {
    unlinkSync(file)
  } catch {
    // Already gone: another process cleaned it up first, which is what we wanted.
  }
}
