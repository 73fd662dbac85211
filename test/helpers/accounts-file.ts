/**
 * The accounts file of a base directory, written before the server starts, as `tavern-server
 * users` would leave it: for tests where making the accounts is not what is tested, without a
 * process per account. Hashes are at the server's own cost (a login with a weaker one would make
 * the server store a new hash), one scrypt per password and test process.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hashPassword } from '../../src/access/password-hash.js'
import { ACCOUNTS_FILE, newStamp, serializeAccounts } from '../../src/accounts/account-file.js'
import type { Account } from '../../src/accounts/account-file.js'
import { ACCOUNT_HASH_COST } from '../../src/cli/access.js'

const hashes = new Map<string, Promise<string>>()

function hashOf (password: string): Promise<string> {
  let hash = hashes.get(password)
  if (hash === undefined) {
    hash = hashPassword(password, ACCOUNT_HASH_COST)
    hashes.set(password, hash)
  }
  return hash
}

/**
 * Writes `<baseDir>/data/accounts.json` with these accounts, in this order; the first is an
 * administrator, as the first account made is.
 * @example await writeAccounts(dir, { admin: 'admin pw', alice: 'alice pw' })
 */
export async function writeAccounts (baseDir: string, passwords: Record<string, string>): Promise<void> {
  const accounts = new Map<string, Account>()
  let created = Date.now()
  for (const [handle, password] of Object.entries(passwords)) {
    accounts.set(handle, { handle, name: handle, created: created++, password: await hashOf(password), enabled: true, admin: accounts.size === 0, stamp: newStamp() })
  }
  const dataRoot = join(baseDir, 'data')
  mkdirSync(dataRoot, { recursive: true, mode: 0o700 })
  writeFileSync(join(dataRoot, ACCOUNTS_FILE), serializeAccounts(accounts), { mode: 0o600 })
}
