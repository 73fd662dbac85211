/**
 * The accounts file, `<dataRoot>/accounts.json`: what an account is, and reading and writing the
 * file's text. Reading checks every record, so a hand-edited file that went wrong is reported
 * with the account and field at fault instead of half-working.
 */
import { randomBytes } from 'node:crypto'
import { parseHash } from '../access/password-hash.js'
import { folderProblem } from './handle.js'

export const ACCOUNTS_FILE = 'accounts.json'
const FORMAT = 1

export interface Account {
  /** The login name and the name of the account's folder, `data/<handle>/`. */
  readonly handle: string
  /** The display name. */
  readonly name: string
  /** When the account was made, ms since 1970. */
  readonly created: number
  /** A `$scrypt$…` hash, or '' when no password is set (nobody can log in then). */
  readonly password: string
  readonly enabled: boolean
  readonly admin: boolean
  /**
   * Changes whenever the password changes or the account is disabled: sessions and remembered
   * Basic logins made under another stamp are void.
   */
  readonly stamp: string
  /** Where the account came from, when it was imported ('sillytavern'). */
  readonly importedFrom?: string
}

export function newStamp (): string {
  return randomBytes(9).toString('base64url')
}

/** The accounts by handle, in the file's order. */
export type Accounts = ReadonlyMap<string, Account>

/** Why the file's text is not a valid accounts file; thrown by parseAccounts. */
export class AccountsFileProblem extends Error {}

function field<T> (record: Record<string, unknown>, name: string, type: string, where: string, valid: (value: unknown) => boolean = () => true): T {
  const value = record[name]
  if (typeof value !== type || !valid(value)) throw new AccountsFileProblem(`${where}: "${name}" must be ${type === 'string' ? 'a text' : `a ${type}`}${type === 'string' && name === 'password' ? ' holding a $scrypt$ hash or nothing' : ''}`)
  return value as T
}

/**
 * Reads the file's text.
 * @throws AccountsFileProblem naming the account and the field
 */
export function parseAccounts (text: string): Map<string, Account> {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new AccountsFileProblem(`it is not valid JSON (${(error as Error).message})`)
  }
  const root = data as { format?: unknown, accounts?: unknown }
  if (data === null || typeof data !== 'object' || root.format !== FORMAT || !Array.isArray(root.accounts)) {
    throw new AccountsFileProblem(`expected {"format": ${FORMAT}, "accounts": [...]}`)
  }
  const accounts = new Map<string, Account>()
  root.accounts.forEach((item: unknown, i) => {
    let where = `accounts[${i}]`
    if (item === null || typeof item !== 'object') throw new AccountsFileProblem(`${where} is not an object`)
    const record = item as Record<string, unknown>
    const handle = field<string>(record, 'handle', 'string', where)
    where = `${where} ("${handle}")`
    const unsafe = folderProblem(handle)
    if (unsafe !== undefined) throw new AccountsFileProblem(`${where}: the handle cannot be used: ${unsafe}`)
    if (accounts.has(handle)) throw new AccountsFileProblem(`${where}: a second account with this handle`)
    const importedFrom = record.importedFrom
    accounts.set(handle, {
      handle,
      name: field(record, 'name', 'string', where),
      created: field(record, 'created', 'number', where, Number.isFinite),
      password: field(record, 'password', 'string', where, (v) => v === '' || parseHash(v as string) !== undefined),
      enabled: field(record, 'enabled', 'boolean', where),
      admin: field(record, 'admin', 'boolean', where),
      stamp: field(record, 'stamp', 'string', where, (v) => v !== ''),
      ...(typeof importedFrom === 'string' ? { importedFrom } : {})
    })
  })
  return accounts
}

/** The file's text for these accounts. */
export function serializeAccounts (accounts: Accounts): string {
  return `${JSON.stringify({ format: FORMAT, accounts: [...accounts.values()] }, null, 2)}\n`
}
