/**
 * Login sessions, kept by the server: the browser holds a random id in a cookie, the server a
 * record under a SHA-256 of that id (the file never holds an id that would let anyone in). The
 * records live in `<dataRoot>/sessions.json`, so a restart keeps everyone logged in. Writes are
 * batched: logins and logouts are written within a second, "last seen" (kept to the minute) at
 * most once a minute, so no request rewrites the file. Only the server writes it (it holds the
 * data root's lock); the `users` commands end sessions through the account's stamp instead.
 */
import { hash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'

export const SESSIONS_FILE = 'sessions.json'
const FORMAT = 1
/** "Last seen" is kept to this precision; finer would mean a write per request. */
export const TOUCH_MS = 60_000
/** New and ended sessions reach the file within this. */
const CHANGE_FLUSH_MS = 1000
/** One person's devices; beyond this, the one unused the longest is logged out. */
export const PER_ACCOUNT = 100
export const MAX_SESSIONS = 10_000
const MAX_DEVICE = 256

export interface Session {
  /** SHA-256 (hex) of the id in the cookie. */
  readonly key: string
  /** A public name for the session, to list and end it; not a secret. */
  readonly ref: string
  readonly handle: string
  /** The account's stamp when the session began: a different one means the session is void. */
  stamp: string
  readonly created: number
  lastSeen: number
  address: string
  /** The browser's User-Agent (cut to 256 characters). */
  readonly device: string
}

export interface SessionOptions {
  file: string
  /** Unused this long, a session ends. */
  idleMs: number
  /** Whatever its use, a session ends this long after the login. */
  lifetimeMs: number
  now: () => number
  write: (file: string, text: string) => Promise<void>
  /** A write failed; it is tried again at the next change. */
  failed: (error: Error) => void
}

function keyOf (id: string): string {
  return hash('sha256', id, 'hex')
}

function isSession (value: unknown): value is Session {
  const s = value as Record<string, unknown>
  return value !== null && typeof value === 'object' &&
    ['key', 'ref', 'handle', 'stamp', 'address', 'device'].every((k) => typeof s[k] === 'string') &&
    typeof s.created === 'number' && typeof s.lastSeen === 'number'
}

export class SessionStore {
  readonly #byKey = new Map<string, Session>()
  #generation = 0
  #dirty = false
  #timer: NodeJS.Timeout | undefined
  #timerAt = Infinity
  #writing: Promise<void> = Promise.resolve()

  constructor (private readonly options: SessionOptions) {}

  /** Reads the file at start-up; returns a warning when it cannot be used (everyone logs in again). */
  load (): string | undefined {
    let text: string
    try {
      text = readFileSync(this.options.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      return `Cannot read ${this.options.file} (${(error as Error).message}): everyone has to log in again.`
    }
    try {
      const data = JSON.parse(text) as { format?: unknown, sessions?: unknown }
      if (data.format !== FORMAT || !Array.isArray(data.sessions)) throw new Error(`expected {"format": ${FORMAT}, "sessions": [...]}`)
      for (const session of data.sessions) {
        if (isSession(session) && this.live(session)) this.#byKey.set(session.key, { ...session })
      }
    } catch (error) {
      return `${this.options.file} is not a sessions file (${(error as Error).message}): everyone has to log in again.`
    }
    return undefined
  }

  /** Changes whenever a session ends. */
  get generation (): number {
    return this.#generation
  }

  get size (): number {
    return this.#byKey.size
  }

  /** Whether the session is within its idle time and its lifetime. */
  live (session: Session, now = this.options.now()): boolean {
    return now - session.lastSeen <= this.options.idleMs && now - session.created <= this.options.lifetimeMs
  }

  /** A new session; its id goes into the cookie and is never stored. */
  create (handle: string, stamp: string, address: string, device: string | undefined): { id: string, session: Session } {
    const id = randomBytes(32).toString('base64url')
    const now = this.options.now()
    const session: Session = {
      key: keyOf(id),
      ref: randomBytes(9).toString('base64url'),
      handle,
      stamp,
      created: now,
      lastSeen: now,
      address,
      device: (device ?? '').slice(0, MAX_DEVICE)
    }
    const mine = this.list(handle)
    if (mine.length >= PER_ACCOUNT) this.end(mine[mine.length - 1] as Session)
    if (this.#byKey.size >= MAX_SESSIONS) {
      const oldest = [...this.#byKey.values()].reduce((a, b) => (b.lastSeen < a.lastSeen ? b : a))
      this.end(oldest)
    }
    this.#byKey.set(session.key, session)
    this.#changed(CHANGE_FLUSH_MS)
    return { id, session }
  }

  /** The live session of a cookie's id; an expired one is ended on the way. */
  get (id: string): Session | undefined {
    const session = this.#byKey.get(keyOf(id))
    if (session === undefined) return undefined
    if (this.live(session)) return session
    this.end(session)
    return undefined
  }

  /** Notes a request of the session (to the minute, so most requests change nothing). */
  touch (session: Session, address: string, now = this.options.now()): void {
    if (now - session.lastSeen < TOUCH_MS && address === session.address) return
    session.lastSeen = now
    session.address = address
    this.#changed(TOUCH_MS)
  }

  /** The sessions of an account, the most recently used first. */
  list (handle: string): Session[] {
    return [...this.#byKey.values()].filter((s) => s.handle === handle).sort((a, b) => b.lastSeen - a.lastSeen)
  }

  /** The session of an account by its public name. */
  byRef (handle: string, ref: string): Session | undefined {
    return this.list(handle).find((s) => s.ref === ref)
  }

  end (session: Session): void {
    if (!this.#byKey.delete(session.key)) return
    this.#generation++
    this.#changed(CHANGE_FLUSH_MS)
  }

  /** Ends every session for which `keep` says false; returns how many ended. */
  endUnless (keep: (session: Session) => boolean): number {
    let ended = 0
    for (const session of [...this.#byKey.values()]) {
      if (!keep(session)) {
        this.end(session)
        ended++
      }
    }
    return ended
  }

  /** Moves a session to the account's new stamp (its owner changed the password from it). */
  restamp (session: Session, stamp: string): void {
    session.stamp = stamp
    this.#changed(CHANGE_FLUSH_MS)
  }

  #changed (withinMs: number): void {
    this.#dirty = true
    const at = this.options.now() + withinMs
    if (this.#timer !== undefined && this.#timerAt <= at) return
    clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = setTimeout(() => { void this.flush() }, withinMs)
    this.#timer.unref()
  }

  /** Writes the sessions now if anything changed; resolves when the file is written. */
  flush (): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = Infinity
    if (!this.#dirty) return this.#writing
    this.#dirty = false
    const text = `${JSON.stringify({ format: FORMAT, sessions: [...this.#byKey.values()] })}\n`
    this.#writing = this.#writing.then(() => this.options.write(this.options.file, text)).catch((error: unknown) => {
      this.#dirty = true
      this.options.failed(error as Error)
    })
    return this.#writing
  }
}
