/**
 * A short-held lock on one file, shared by every process that changes it: the running server and
 * any number of `tavern-server users …` commands. The lock is a file beside the one it guards,
 * holding its owner (process id, start time and boot id: process-owner.ts), host name and a random
 * token, so only its owner removes it.
 * It is written whole to a file of its own first and then linked into place (link() fails if the
 * lock exists), so nobody ever sees a half-written lock; where the file system has no hard links
 * it is created exclusively instead. A lock whose owner is gone (a crash, a SIGKILL, a power cut)
 * is taken over: when its owner no longer runs on this host (its process id gone, a zombie, or now
 * another process's), or when it is older than any change takes.
 */
import { randomBytes } from 'node:crypto'
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { setTimeout as delay } from 'node:timers/promises'
import { isTavernError, TVS_ERR_ACCOUNTS_LOCKED, TVS_ERR_ACCOUNTS_WRITE } from '../errors.js'
import { describeOwner, ownerRuns } from './process-owner.js'
import type { ProcessOwner, ProcessProbe } from './process-owner.js'

/** The process taking the lock; `isRunning` tells of processes on this host (process-owner.ts). */
export interface LockIdentity extends ProcessProbe {
  pid: number
  hostname: string
}

export interface LockOptions {
  /** How long to wait for another holder before giving up (TVS_ERR_ACCOUNTS_LOCKED). */
  timeoutMs?: number
  /** A lock older than this is taken over even if its process seems to run (a reused pid). */
  staleMs?: number
  now?: () => number
}

const TIMEOUT_MS = 10_000
const STALE_MS = 30_000
/** A lock without its owner written in: left by a crash between create and write (no hard links). */
const UNNAMED_STALE_MS = 2000
/** The owner's own file, linked into place as the lock: `<lock>.<24 hex digits>`. */
export const LOCK_CANDIDATE = /\.lock\.[0-9a-f]{24}$/

interface Holder { raw: string, owner: ProcessOwner | undefined, host: string | undefined, ageMs: number }

function code (error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code
}

/** Who holds the lock now, or undefined when it has just gone. */
async function readHolder (lockFile: string, now: number): Promise<Holder | undefined> {
  try {
    const [raw, info] = await Promise.all([readFile(lockFile, 'utf8'), stat(lockFile)])
    let parsed: { pid?: unknown, host?: unknown, start?: unknown, boot?: unknown } = {}
    try {
      parsed = JSON.parse(raw) as typeof parsed
    } catch {
      // Being written this very moment, or left empty by a crash between create and write.
    }
    return {
      raw,
      owner: typeof parsed.pid !== 'number'
        ? undefined
        : { pid: parsed.pid, ...(typeof parsed.start === 'string' && typeof parsed.boot === 'string' ? { start: parsed.start, boot: parsed.boot } : {}) },
      host: typeof parsed.host === 'string' ? parsed.host : undefined,
      ageMs: now - info.mtimeMs
    }
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined
    throw error
  }
}

/**
 * Removes a stale lock, but only the one that was judged stale (`seen`): it is first renamed
 * aside, which is atomic, and checked. If a live process took the lock in between, its lock is
 * put back where it was (with `link`, which never replaces a newer one).
 */
export async function breakStale (lockFile: string, seen: string): Promise<void> {
  const aside = `${lockFile}.stale-${randomBytes(8).toString('hex')}`
  try {
    await rename(lockFile, aside)
  } catch (error) {
    if (code(error) === 'ENOENT') return
    throw error
  }
  if (await readFile(aside, 'utf8') !== seen) {
    await link(aside, lockFile).catch(() => { /* a newer lock is there already: it stands */ })
  }
  await unlink(aside)
}

/**
 * Runs `work` while holding the lock `lockFile`; waits (polling, since the other holder is
 * another process) while someone else holds it.
 * @example await withFileLock('/srv/data/accounts.json.lock', identity, async () => change())
 */
export async function withFileLock<T> (lockFile: string, identity: LockIdentity, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const now = options.now ?? Date.now
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS
  const staleMs = options.staleMs ?? STALE_MS
  const token = randomBytes(12).toString('hex')
  const content = JSON.stringify({ ...describeOwner(identity.pid, identity.procRoot), host: identity.hostname, token })
  const deadline = now() + timeoutMs
  const candidate = `${lockFile}.${token}`
  try {
    await writeFile(candidate, content, { mode: 0o600 })
    await acquire()
  } catch (error) {
    // The lock file cannot be made, read or moved: a clear error, not a wait.
    if (isTavernError(error)) throw error
    throw new TVS_ERR_ACCOUNTS_WRITE(lockFile, (error as Error).message, { cause: error })
  } finally {
    await unlink(candidate).catch(() => { /* not made */ })
  }
  try {
    return await work()
  } finally {
    const current = await readFile(lockFile, 'utf8').catch(() => '')
    if (current === content) await unlink(lockFile).catch(() => { /* gone already */ })
  }

  async function acquire (): Promise<void> {
    for (;;) {
      try {
        await link(candidate, lockFile)
        return
      } catch (error) {
        if (code(error) !== 'EEXIST') {
          // No hard links here (FAT, some network shares): create it exclusively instead.
          try {
            await writeFile(lockFile, content, { flag: 'wx', mode: 0o600 })
            return
          } catch (fallback) {
            if (code(fallback) !== 'EEXIST') throw fallback
          }
        }
      }
      const holder = await readHolder(lockFile, now())
      if (holder === undefined) continue
      const { owner } = holder
      const gone = owner !== undefined && holder.host === identity.hostname && owner.pid !== identity.pid && !ownerRuns(owner, identity, now() - holder.ageMs)
      if (gone || holder.ageMs > staleMs || (owner === undefined && holder.ageMs > Math.min(staleMs, UNNAMED_STALE_MS))) {
        await breakStale(lockFile, holder.raw)
        continue
      }
      if (now() > deadline) throw new TVS_ERR_ACCOUNTS_LOCKED(owner === undefined ? 'unknown' : String(owner.pid), Math.round(timeoutMs / 1000), lockFile)
      // A change takes milliseconds: poll soon, at a random moment so waiters do not move in step.
      await delay(2 + Math.floor(Math.random() * 10))
    }
  }
}
