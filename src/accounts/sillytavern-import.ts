/**
 * SillyTavern's accounts, read from its `_storage` folder (node-persist: one JSON file per key,
 * `{"key": "user:<handle>", "value": {…}}`), turned into accounts of ours that keep their
 * passwords working: SillyTavern hashes with scrypt N=2^14, r=8, p=1, a 64-byte key, and uses
 * its base64 salt *text* as the salt, which our `$scrypt$` format carries as the base64 of those
 * bytes. Nothing is written back: SillyTavern keeps working from its own folder.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { parseHash } from '../access/password-hash.js'
import { TVS_ERR_IMPORT_SOURCE } from '../errors.js'
import { newStamp } from './account-file.js'
import type { Account } from './account-file.js'
import { folderProblem } from './handle.js'

const USER_KEY = 'user:'

export interface SillyTavernAccounts {
  /** The `_storage` folder read. */
  storage: string
  accounts: Account[]
  /** Files or records that could not be imported, with why. */
  problems: string[]
}

async function isFolder (path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false)
}

/** The `_storage` folder: given as is, or inside a data root, or inside an installation's data/. */
export async function findStorage (source: string): Promise<string> {
  const candidates = basename(source) === '_storage' ? [source] : [join(source, '_storage'), join(source, 'data', '_storage')]
  for (const candidate of candidates) if (await isFolder(candidate)) return candidate
  if (!await isFolder(source)) throw new TVS_ERR_IMPORT_SOURCE(source, 'there is no such folder')
  throw new TVS_ERR_IMPORT_SOURCE(source, 'it has no _storage folder')
}

/** Our hash string for SillyTavern's hash and salt. */
export function fromSillyTavernHash (password: string, salt: string): string | undefined {
  const hash = `$scrypt$ln=14,r=8,p=1$${Buffer.from(salt, 'utf8').toString('base64')}$${password}`
  return salt !== '' && parseHash(hash) !== undefined ? hash : undefined
}

/** One stored user record, or why it cannot be imported. */
function toAccount (value: Record<string, unknown>, key: string, now: number): Account | string {
  const handle = key.slice(USER_KEY.length)
  if (value.handle !== handle) return `the record ${JSON.stringify(key)} names another handle (${JSON.stringify(value.handle)})`
  const unsafe = folderProblem(handle)
  if (unsafe !== undefined) return `the handle ${JSON.stringify(handle)} is not safe as a folder name: ${unsafe}`
  let password = ''
  if (typeof value.password === 'string' && value.password !== '') {
    const hash = fromSillyTavernHash(value.password, typeof value.salt === 'string' ? value.salt : '')
    if (hash === undefined) return `the password of "${handle}" is not a SillyTavern hash tavern-server can check`
    password = hash
  }
  return {
    handle,
    name: typeof value.name === 'string' && value.name.trim() !== '' ? value.name : handle,
    created: typeof value.created === 'number' && Number.isFinite(value.created) ? value.created : now,
    password,
    enabled: value.enabled !== false,
    admin: value.admin === true,
    stamp: newStamp(),
    importedFrom: 'sillytavern'
  }
}

/**
 * Reads the accounts of a SillyTavern data folder. File names are not trusted (node-persist names
 * them by a hash of the key); the key inside each file is. Files that do not parse are reported
 * and skipped, as are other keys (avatars, a fork's invitations).
 * @example await readSillyTavernAccounts('/home/me/SillyTavern/data', Date.now())
 */
export async function readSillyTavernAccounts (source: string, now: number): Promise<SillyTavernAccounts> {
  const storage = await findStorage(source)
  const names = (await readdir(storage)).filter((name) => !name.startsWith('.')).sort()
  const accounts: Account[] = []
  const problems: string[] = []
  for (const name of names) {
    let record: { key?: unknown, value?: unknown }
    try {
      record = JSON.parse(await readFile(join(storage, name), 'utf8')) as typeof record
    } catch (error) {
      problems.push(`${name}: not a SillyTavern storage file (${(error as Error).message})`)
      continue
    }
    if (record === null || typeof record !== 'object' || typeof record.key !== 'string') {
      problems.push(`${name}: not a SillyTavern storage file (no key)`)
      continue
    }
    if (!record.key.startsWith(USER_KEY)) continue
    const value = record.value
    const account = value !== null && typeof value === 'object' ? toAccount(value as Record<string, unknown>, record.key, now) : `the record ${JSON.stringify(record.key)} holds no account`
    if (typeof account === 'string') problems.push(`${name}: ${account}`)
    else accounts.push(account)
  }
  accounts.sort((a, b) => a.created - b.created || (a.handle < b.handle ? -1 : 1))
  return { storage, accounts, problems }
}
