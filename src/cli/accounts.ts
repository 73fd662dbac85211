/**
 * Opens the accounts of a data root for the server: the accounts file (with the first admin when
 * there are none), the sessions, and the following of changes that `tavern-server users …`
 * makes while the server runs (the file is watched, and checked every half second where the file
 * system does not report changes): a disabled or removed account is out at its next request.
 */
import { join } from 'node:path'
import { addAccount } from '../accounts/account-changes.js'
import type { Account } from '../accounts/account-file.js'
import { AccountStore } from '../accounts/account-store.js'
import { SESSIONS_FILE, SessionStore } from '../accounts/session-store.js'
import type { Session } from '../accounts/session-store.js'
import type { Config } from '../config/config.js'
import type { LockIdentity } from '../data/file-lock.js'
import { commandLine } from '../invocation.js'
import type { Logger } from '../log/console.js'
import { watchFiles } from '../server/file-watch.js'
import type { Lifecycle } from '../server/lifecycle.js'

export const FIRST_ADMIN = 'admin'
/** Where the file system does not report changes (network file systems), it is checked this often. */
export const POLL_MS = 500
const SETTLE_MS = 50
const DAY_MS = 86_400_000

export interface OpenedAccounts {
  store: AccountStore
  sessions: SessionStore
  /** Start-up lines: the first admin made. */
  lines: string[]
  /** Start-up warnings: accounts without a password, an unreadable sessions file. */
  warnings: string[]
}

export interface OpenAccountsOptions {
  config: Config
  dataRoot: string
  identity: LockIdentity
  lifecycle: Lifecycle
  logger: Logger
  now: () => number
}

/** Unused this long, a session ends: sessionTimeout, -1 = 400 days, 0 = only the lifetime. */
export function idleMs (config: Config): number {
  if (config.sessionTimeout < 0) return 400 * DAY_MS
  if (config.sessionTimeout === 0) return config.sessionLifetime * 1000
  return config.sessionTimeout * 1000
}

/** A session stays valid only while its account exists, is enabled and keeps its stamp. */
export function sessionValid (account: Account | undefined, session: Session): boolean {
  return account !== undefined && account.enabled && account.stamp === session.stamp
}

/** Accounts nobody can log in to, for the start-up gate and warnings. */
export function withoutPassword (store: AccountStore): string[] {
  return store.list().filter((a) => a.enabled && a.password === '').map((a) => a.handle)
}

async function writeAtomic (file: string, text: string): Promise<void> {
  const { default: writeFileAtomic } = await import('write-file-atomic')
  await writeFileAtomic(file, text, { mode: 0o600 })
}

export async function openAccounts (options: OpenAccountsOptions): Promise<OpenedAccounts> {
  const { config, dataRoot, lifecycle, logger, now } = options
  const store = new AccountStore({ dataRoot, identity: options.identity }).load()
  const lines: string[] = []
  const warnings: string[] = []
  if (store.size === 0) {
    // The first start with accounts on: an admin nobody can log in to until its password is set
    // on this computer. Never claimable over the network.
    await store.update((draft) => addAccount(draft, { handle: FIRST_ADMIN, name: 'Admin', password: '', admin: true }, now()))
    await store.makeFolder(FIRST_ADMIN)
    lines.push(`User accounts are on and there were none: created the admin account "${FIRST_ADMIN}", without a password.`,
      `Set its password with: ${commandLine(`users passwd ${FIRST_ADMIN}`)}   (or in a browser on this computer, on the login page)`)
  }
  const open = withoutPassword(store)
  if (open.length > 0) warnings.push(`These enabled accounts have no password, so nobody can log in to them: ${open.join(', ')}. Set one with ${commandLine('users passwd <handle>')}.`)

  const sessions = new SessionStore({
    file: join(dataRoot, SESSIONS_FILE),
    idleMs: idleMs(config),
    lifetimeMs: config.sessionLifetime * 1000,
    now,
    write: writeAtomic,
    failed: (error) => { logger.warn(`Cannot write the sessions file: ${error.message}`) }
  })
  const unreadable = sessions.load()
  if (unreadable !== undefined) warnings.push(unreadable)
  // Sessions of accounts that were disabled, removed or given a new password end with the change.
  const prune = (): void => { sessions.endUnless((session) => sessionValid(store.get(session.handle), session)) }
  prune()
  store.onChange(prune)

  const check = (): void => {
    store.reload().then((changed) => {
      if (changed) logger.info(`${store.file} changed (accounts: ${store.size}).`)
    }, (error: unknown) => { logger.warn(`${(error as Error).message} The accounts in use stay as they were.`) })
  }
  const watch = watchFiles([store.file], () => { void lifecycle.attempt('checking the accounts file', check) }, {
    settleMs: SETTLE_MS,
    /* c8 ignore next -- the data root exists and is ours: it was just locked */
    onError: (error, folder) => { logger.warn(`Not watching ${folder} for account changes (${error.message}); they are checked every ${POLL_MS} ms.`) }
  })
  let seen = await store.fingerprint()
  const poll = setInterval(() => {
    void store.fingerprint().then((current) => {
      if (current !== seen) check()
      seen = current
    })
  }, POLL_MS)
  poll.unref()
  lifecycle.onReload(check, 'checking the accounts file')
  lifecycle.onClose(async () => {
    watch.close()
    clearInterval(poll)
    await sessions.flush()
  })
  return { store, sessions, lines, warnings }
}
