/**
 * The accounts, in memory and in `<dataRoot>/accounts.json`, shared by the running server and the
 * `tavern-server users …` commands. Every change is a read-modify-write of the whole file under a
 * short-held lock (src/data/file-lock.ts): the file is read again inside the lock, so a change
 * made meanwhile by another process is never lost, and replaced atomically (write-file-atomic),
 * so a crash at any moment leaves the old file or the new one. The server follows the file
 * (reload) and so takes other processes' changes.
 */
import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { TVS_ERR_ACCOUNTS_FILE, TVS_ERR_ACCOUNTS_WRITE } from '../errors.js'
import { LOCK_CANDIDATE, withFileLock } from '../data/file-lock.js'
import type { LockIdentity, LockOptions } from '../data/file-lock.js'
import { ACCOUNTS_FILE, AccountsFileProblem, parseAccounts, serializeAccounts } from './account-file.js'
import type { Account } from './account-file.js'
import type { Draft } from './account-changes.js'

export interface StoreOptions {
  dataRoot: string
  identity: LockIdentity
  lock?: LockOptions
}

/** write-file-atomic's temporary files: the name, a dot and a number. */
const LEFTOVER = /^accounts\.json\.\d+$/
/** A lock candidate is in use for at most the lock's timeout; older ones are a killed writer's. */
const CANDIDATE_AGE_MS = 60_000

function code (error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code
}

export class AccountStore {
  readonly file: string
  readonly lockFile: string
  #accounts = new Map<string, Account>()
  /** The text the accounts came from ('' when there is no file). */
  #text = ''
  #generation = 0
  /** Changes and reloads of this process, one at a time. */
  #queue: Promise<unknown> = Promise.resolve()
  #cleaned = false
  readonly #listeners: Array<() => void> = []

  constructor (private readonly options: StoreOptions) {
    this.file = join(options.dataRoot, ACCOUNTS_FILE)
    this.lockFile = `${this.file}.lock`
  }

  #parse (text: string): Map<string, Account> {
    if (text === '') return new Map()
    try {
      return parseAccounts(text)
    } catch (error) {
      /* c8 ignore next -- parseAccounts throws nothing else */
      if (!(error instanceof AccountsFileProblem)) throw error
      throw new TVS_ERR_ACCOUNTS_FILE(this.file, error.message, { cause: error })
    }
  }

  #adopt (text: string, accounts: Map<string, Account>): boolean {
    if (text === this.#text) return false
    this.#text = text
    this.#accounts = accounts
    this.#generation++
    for (const listener of this.#listeners) listener()
    return true
  }

  async #read (): Promise<string> {
    try {
      return await readFile(this.file, 'utf8')
    } catch (error) {
      if (code(error) === 'ENOENT') return ''
      throw new TVS_ERR_ACCOUNTS_FILE(this.file, (error as Error).message, { cause: error })
    }
  }

  /** Reads the file at start-up; no file means no accounts. Throws TVS_ERR_ACCOUNTS_FILE. */
  load (): this {
    let text = ''
    try {
      text = readFileSync(this.file, 'utf8')
    } catch (error) {
      if (code(error) !== 'ENOENT') throw new TVS_ERR_ACCOUNTS_FILE(this.file, (error as Error).message, { cause: error })
    }
    this.#adopt(text, this.#parse(text))
    return this
  }

  /** Changes with every change of the accounts: whatever was derived from an older one is void. */
  get generation (): number {
    return this.#generation
  }

  get size (): number {
    return this.#accounts.size
  }

  get (handle: string): Account | undefined {
    return this.#accounts.get(handle)
  }

  /** The account of a typed handle: as stored (NFC), whatever form the keyboard produced. */
  find (typed: string): Account | undefined {
    return this.#accounts.get(typed) ?? this.#accounts.get(typed.normalize('NFC'))
  }

  list (): Account[] {
    return [...this.#accounts.values()]
  }

  /** Called after every change, from this process or another. */
  onChange (listener: () => void): void {
    this.#listeners.push(listener)
  }

  #serial<T> (task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task)
    this.#queue = run.catch(() => undefined)
    return run
  }

  /**
   * Applies `change` to the accounts as they are on disk now, and writes the result. Throws what
   * `change` throws (nothing is written then), TVS_ERR_ACCOUNTS_LOCKED, _FILE or _WRITE.
   * @example await store.update((draft) => setEnabled(draft, 'alice', false))
   */
  update<T> (change: (draft: Draft) => T): Promise<T> {
    return this.#serial(() => withFileLock(this.lockFile, this.options.identity, async () => {
      await this.#removeLeftovers()
      const text = await this.#read()
      const draft = new Map(text === this.#text ? this.#accounts : this.#parse(text))
      const result = change(draft)
      const next = serializeAccounts(draft)
      if (next !== text) await this.#write(next)
      this.#adopt(next, draft)
      return result
    }, this.options.lock))
  }

  async #write (text: string): Promise<void> {
    try {
      // Loaded on the first change: most starts never change an account.
      const { default: writeFileAtomic } = await import('write-file-atomic')
      await writeFileAtomic(this.file, text, { mode: 0o600 })
    } catch (error) {
      throw new TVS_ERR_ACCOUNTS_WRITE(this.file, (error as Error).message, { cause: error })
    }
  }

  /**
   * Files of writers killed midway: temporary files of the atomic write (only under the lock: no
   * live writer has one open then), and lock candidates older than any wait for the lock.
   */
  async #removeLeftovers (): Promise<void> {
    if (this.#cleaned) return
    this.#cleaned = true
    const { dataRoot } = this.options
    const names = await readdir(dataRoot).catch(() => [])
    const old = async (name: string): Promise<boolean> => {
      const info = await stat(join(dataRoot, name)).catch(() => undefined)
      return info !== undefined && Date.now() - info.mtimeMs > CANDIDATE_AGE_MS
    }
    await Promise.all(names.map(async (name) => {
      if (LEFTOVER.test(name) || (name.startsWith(`${ACCOUNTS_FILE}.lock.`) && LOCK_CANDIDATE.test(name) && await old(name))) {
        await unlink(join(dataRoot, name)).catch(() => undefined)
      }
    }))
  }

  /** Changes when the file does (its inode, size and time): cheap to ask often. */
  async fingerprint (): Promise<string> {
    const info = await stat(this.file).catch(() => undefined)
    return info === undefined ? 'none' : `${info.ino}:${info.size}:${info.mtimeMs}`
  }

  /** Takes changes another process wrote; resolves true when there were any. */
  reload (): Promise<boolean> {
    return this.#serial(async () => {
      const text = await this.#read()
      return this.#adopt(text, text === this.#text ? this.#accounts : this.#parse(text))
    })
  }

  /** The account's own folder, `data/<handle>/`, made if missing (mode 0700). */
  async makeFolder (handle: string): Promise<string> {
    const folder = join(this.options.dataRoot, handle)
    await mkdir(folder, { mode: 0o700 }).catch(async (error: unknown) => {
      if (code(error) !== 'EEXIST') throw error
      if (!(await stat(folder)).isDirectory()) throw new Error(`${folder} exists and is not a folder`)
    })
    return folder
  }
}
