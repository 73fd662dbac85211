/**
 * The data root: accounts, sessions and generated secrets live here. One process per data root,
 * enforced by a lock file holding the owner's process id; a lock left by a process that no longer
 * runs (a crash, a power cut) is taken over.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { TVS_ERR_DATA_LOCKED, TVS_ERR_DATA_ROOT } from '../errors.js'

export const LOCK_FILE = 'tavern-server.lock'

export interface DataRoot {
  readonly path: string
  /** Removes the lock file (only if it is still ours). */
  release (): void
}

export interface LockOwner {
  pid: number
  /** Whether a process id belongs to a running process. */
  isRunning (pid: number): boolean
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
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lock, `${owner.pid}\n`, { flag: 'wx', mode: 0o600 })
      break
    } catch (error) {
      /* c8 ignore next 3 -- EACCES/EROFS on a folder mkdir accepted; tests run as root, which both bypass */
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new TVS_ERR_DATA_ROOT(path, reason(error), { cause: error })
      }
      const holder = Number.parseInt(readLock(lock), 10)
      if (attempt > 0 || (Number.isInteger(holder) && holder !== owner.pid && owner.isRunning(holder))) {
        throw new TVS_ERR_DATA_LOCKED(path, Number.isInteger(holder) ? String(holder) : 'unknown', lock, { cause: error })
      }
      // A stale lock: its process is gone. Remove it and try once more.
      unlinkQuietly(lock)
    }
  }
  return {
    path,
    release () {
      if (readLock(lock).trim() === String(owner.pid)) unlinkQuietly(lock)
    }
  }
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
