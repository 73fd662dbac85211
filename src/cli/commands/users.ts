/**
 * `tavern-server users …`: the accounts, from the host. Works whether or not the server runs
 * (every change is a locked read-modify-write of accounts.json, and a running server takes it
 * within a second). Passwords come from standard input or a prompt, never from the arguments.
 */
import { mkdirSync } from 'node:fs'
import type { Command } from 'commander'
import type * as Changes from '../../accounts/account-changes.js'
import type { Draft } from '../../accounts/account-changes.js'
import type { Account } from '../../accounts/account-file.js'
import type { AccountStore } from '../../accounts/account-store.js'
import type { Config } from '../../config/config.js'
import { commandLine } from '../../invocation.js'
import { lazyImport } from '../../lazy-import.js'
import { TVS_ERR_ACCOUNT_EXISTS, TVS_ERR_ACCOUNT_HANDLE, TVS_ERR_ACCOUNT_UNKNOWN, TVS_ERR_CLI_INPUT, TVS_ERR_DATA_ROOT } from '../../errors.js'
import { readPassword, refusePasswordArguments } from '../password-input.js'
import { parsedFlags } from '../program.js'
import type { Io } from '../serve.js'
import type { CommandContext } from './index.js'

interface Opened {
  config: Config
  store: AccountStore
  /** The changes an action makes to the accounts (loaded with the store). */
  changes: typeof Changes
}

/** The config and the accounts, and their modules: loaded when a users command runs, not at every start. */
async function open (command: Command, io: Io): Promise<Opened> {
  const [{ loadWithFlags }, { AccountStore }, changes] = await lazyImport(() => Promise.all([
    import('../flag-config.js'), import('../../accounts/account-store.js'), import('../../accounts/account-changes.js')
  ]))
  const { config, notices, warnings } = loadWithFlags(parsedFlags(command), io)
  for (const line of notices) io.stdout.write(`${line}\n`)
  for (const line of warnings) io.stderr.write(`${line}\n`)
  try {
    mkdirSync(config.dataRoot, { recursive: true, mode: 0o700 })
  } catch (error) {
    throw new TVS_ERR_DATA_ROOT(config.dataRoot, (error as Error).message, { cause: error })
  }
  const store = new AccountStore({ dataRoot: config.dataRoot, identity: { pid: io.pid, hostname: io.hostname(), isRunning: io.isRunning } }).load()
  return { config, store, changes }
}

function known (store: AccountStore, handle: string): Account {
  const account = store.get(handle)
  if (account === undefined) throw new TVS_ERR_ACCOUNT_UNKNOWN(handle)
  return account
}

/** What the change means for a server that runs, or that accounts are off. */
function afterChange ({ config }: Opened): string {
  return config.enableUserAccounts
    ? 'A running tavern-server takes the change within a second.'
    : `enableUserAccounts is false in ${config.configPath}: accounts are used once it is true.`
}

/** Makes the account's folder; a failure is a warning (the account itself is made). */
async function folder (opened: Opened, io: Io, handle: string): Promise<string> {
  return opened.store.makeFolder(handle).then((path) => `Its folder is ${path}.`, (error: unknown) => {
    io.stderr.write(`The folder of "${handle}" could not be made: ${(error as Error).message}\n`)
    return 'Its folder could not be made.'
  })
}

async function newPassword (io: Io, handle: string): Promise<string> {
  const { hashPassword } = await lazyImport(() => import('../../access/password-hash.js'))
  const password = await readPassword(io, `New password for ${handle}`, 'nothing changed')
  if (password === '') throw new TVS_ERR_CLI_INPUT(`Empty password: nothing changed. Type it when asked, or pipe it in: echo "$PASSWORD" | ${commandLine(`users passwd ${handle}`)}`)
  return hashPassword(password)
}

/** One line per account, in columns. */
export function accountTable (accounts: readonly Account[]): string {
  const rows = [['HANDLE', 'NAME', 'ROLE', 'STATE', 'PASSWORD'], ...accounts.map((a) => [
    a.handle, a.name, a.admin ? 'admin' : 'user', a.enabled ? 'enabled' : 'disabled',
    `${a.password === '' ? 'none' : 'set'}${a.importedFrom === 'sillytavern' ? ' (from SillyTavern)' : ''}`
  ])]
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => [...(r[i] as string)].length)))
  return rows.map((r) => r.map((cell, i) => i === r.length - 1 ? cell : cell + ' '.repeat((widths[i] as number) - [...cell].length + 2)).join('')).join('\n')
}

export function registerUsers (program: Command, { io, finish }: CommandContext): void {
  // Its commands take exactly their arguments; add and passwd explain why a password is not one.
  const users = program.command('users').description('manage user accounts (enableUserAccounts); safe while the server runs').allowExcessArguments(false)
  const done = (lines: string[]): void => {
    io.stdout.write(`${lines.join('\n')}\n`)
    finish({ kind: 'exit', code: 0 })
  }

  users.command('list').description('list the accounts').action(async (_options: unknown, command: Command) => {
    const { config, store } = await open(command, io)
    const accounts = store.list()
    done(accounts.length === 0 ? [`No accounts in ${store.file}.${config.enableUserAccounts ? '' : ' (enableUserAccounts is false.)'}`] : [accountTable(accounts)])
  })

  users.command('add').description('add an account (the password is asked for, or read from standard input)')
    .argument('<handle>', 'the user name: a-z, 0-9 and -, up to 64 characters')
    .option('--name <name>', 'the display name (default: the handle)')
    .option('--admin', 'make it an admin account')
    .option('--no-password', 'add it without a password (nobody can log in to it until one is set)')
    .allowExcessArguments()
    .action(async (handle: string, options: { name?: string, admin?: true, password: boolean }, command: Command) => {
      refusePasswordArguments(command, 'users add takes one argument, the handle', commandLine(`users add ${handle}`))
      const opened = await open(command, io)
      const { slugProblem } = await lazyImport(() => import('../../accounts/handle.js'))
      const problem = slugProblem(handle)
      if (problem !== undefined) throw new TVS_ERR_ACCOUNT_HANDLE(handle, problem)
      if (opened.store.get(handle) !== undefined) throw new TVS_ERR_ACCOUNT_EXISTS(handle)
      const hash = options.password ? await newPassword(io, handle) : ''
      const made = await opened.store.update((draft) => opened.changes.addAccount(draft, { handle, password: hash, admin: options.admin === true, ...(options.name === undefined ? {} : { name: options.name }) }, Date.now()))
      done([`Added the ${made.admin ? 'admin ' : ''}account "${made.handle}"${hash === '' ? ', without a password' : ''}. ${await folder(opened, io, made.handle)}`, afterChange(opened)])
    })

  users.command('passwd').description('set the password of an account (asked for, or read from standard input); its sessions end')
    .argument('<handle>')
    .allowExcessArguments()
    .action(async (handle: string, _options: unknown, command: Command) => {
      refusePasswordArguments(command, 'users passwd takes one argument, the handle', commandLine(`users passwd ${handle}`))
      const opened = await open(command, io)
      const { FIRST_ADMIN } = await lazyImport(() => import('../accounts.js'))
      // Before the first start there are no accounts yet: the first admin is made here then.
      const first = opened.store.size === 0 && handle === FIRST_ADMIN
      if (!first) known(opened.store, handle)
      const hash = await newPassword(io, handle)
      if (first) {
        await opened.store.update((draft) => opened.changes.addAccount(draft, { handle, name: 'Admin', password: hash, admin: true }, Date.now()))
        done([`Created the admin account "${handle}" with this password. ${await folder(opened, io, handle)}`, afterChange(opened)])
        return
      }
      await opened.store.update((draft) => opened.changes.setPassword(draft, handle, hash))
      done([`Changed the password of "${handle}"; its sessions have ended.`, afterChange(opened)])
    })

  const simple = (name: string, description: string, apply: (changes: typeof Changes, draft: Draft, handle: string) => Account, said: string): void => {
    users.command(name).description(description).argument('<handle>').action(async (handle: string, _options: unknown, command: Command) => {
      const opened = await open(command, io)
      await opened.store.update((draft) => apply(opened.changes, draft, handle))
      done([`"${handle}" ${said}.`, afterChange(opened)])
    })
  }
  simple('enable', 'let an account log in again', (changes, draft, handle) => changes.setEnabled(draft, handle, true), 'is enabled')
  simple('disable', 'stop an account from logging in; its sessions end', (changes, draft, handle) => changes.setEnabled(draft, handle, false), 'is disabled; its sessions have ended')
  simple('promote', 'make an account an admin', (changes, draft, handle) => changes.setAdmin(draft, handle, true), 'is an admin now')
  simple('demote', 'make an admin account a user account', (changes, draft, handle) => changes.setAdmin(draft, handle, false), 'is no longer an admin')
  simple('remove', 'remove an account (its folder is kept); its sessions end', (changes, draft, handle) => changes.removeAccount(draft, handle), 'is removed (its folder stays); its sessions have ended')

  users.command('import').description('bring accounts over from SillyTavern, passwords included (existing accounts are skipped)')
    .argument('<folder>', 'SillyTavern\'s data folder (the one holding _storage)')
    .action(async (source: string, _options: unknown, command: Command) => {
      const opened = await open(command, io)
      const { readSillyTavernAccounts } = await lazyImport(() => import('../../accounts/sillytavern-import.js'))
      const found = await readSillyTavernAccounts(source, Date.now())
      const { added, skipped } = await opened.store.update((draft) => {
        const result = { added: [] as Account[], skipped: [] as string[] }
        for (const account of found.accounts) {
          if (draft.has(account.handle)) result.skipped.push(account.handle)
          else result.added.push(opened.changes.insertAccount(draft, account))
        }
        return result
      })
      for (const account of added) await folder(opened, io, account.handle)
      const lines = [`Read ${found.accounts.length} account${found.accounts.length === 1 ? '' : 's'} from ${found.storage}.`]
      if (added.length > 0) {
        lines.push(`Imported ${added.length}:`, ...added.map((a) => `  ${a.handle} (${a.name})${a.admin ? ', admin' : ''}${a.enabled ? '' : ', disabled'}${a.password === '' ? `: NO PASSWORD, nobody can log in to it until one is set: ${commandLine(`users passwd ${a.handle}`)}` : ''}`))
      }
      if (skipped.length > 0) lines.push(`Skipped ${skipped.length} that exist here already: ${skipped.join(', ')}`)
      if (found.problems.length > 0) lines.push(`Not imported (${found.problems.length}):`, ...found.problems.map((p) => `  ${p}`))
      lines.push(afterChange(opened))
      done(lines)
    })
}
