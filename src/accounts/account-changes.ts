/**
 * The changes an account can go through, as functions on a draft of all accounts, and the rules
 * every change keeps whoever makes it (the CLI, the admin page, the API): handles made here are
 * slugs, and the last enabled admin cannot be removed, disabled or demoted.
 */
import { TVS_ERR_ACCOUNT_EXISTS, TVS_ERR_ACCOUNT_HANDLE, TVS_ERR_ACCOUNT_LAST_ADMIN, TVS_ERR_ACCOUNT_UNKNOWN } from '../errors.js'
import { newStamp } from './account-file.js'
import type { Account } from './account-file.js'
import { slugProblem } from './handle.js'

export type Draft = Map<string, Account>

export interface NewAccount {
  handle: string
  name?: string
  /** A hash (hashPassword) or '' for none. */
  password: string
  admin: boolean
}

function enabledAdmins (draft: Draft): number {
  let count = 0
  for (const account of draft.values()) if (account.admin && account.enabled) count++
  return count
}

/** The account, or TVS_ERR_ACCOUNT_UNKNOWN. */
export function existing (draft: Draft, handle: string): Account {
  const account = draft.get(handle)
  if (account === undefined) throw new TVS_ERR_ACCOUNT_UNKNOWN(handle)
  return account
}

/** Replaces an account, refusing to leave no enabled admin where there was one. */
function replace (draft: Draft, before: Account, after: Account | undefined, action: string): void {
  const admins = enabledAdmins(draft)
  if (after === undefined) draft.delete(before.handle)
  else draft.set(before.handle, after)
  if (admins > 0 && enabledAdmins(draft) === 0) {
    draft.set(before.handle, before)
    throw new TVS_ERR_ACCOUNT_LAST_ADMIN(before.handle, action)
  }
}

/** Adds an account made here: the handle must be a slug. */
export function addAccount (draft: Draft, account: NewAccount, now: number): Account {
  const problem = slugProblem(account.handle)
  if (problem !== undefined) throw new TVS_ERR_ACCOUNT_HANDLE(account.handle, problem)
  return insertAccount(draft, {
    handle: account.handle,
    name: account.name === undefined || account.name.trim() === '' ? account.handle : account.name.trim(),
    created: now,
    password: account.password,
    enabled: true,
    admin: account.admin,
    stamp: newStamp()
  })
}

/** Adds a complete account (an imported one keeps its handle, checked by the importer). */
export function insertAccount (draft: Draft, account: Account): Account {
  if (draft.has(account.handle)) throw new TVS_ERR_ACCOUNT_EXISTS(account.handle)
  draft.set(account.handle, account)
  return account
}

/** Sets (or with '' clears) the password; sessions and remembered logins under the old one end. */
export function setPassword (draft: Draft, handle: string, hash: string, stamp = newStamp()): Account {
  const account = existing(draft, handle)
  const changed = { ...account, password: hash, stamp }
  draft.set(handle, changed)
  return changed
}

/** Enables or disables; disabling ends every session of the account. */
export function setEnabled (draft: Draft, handle: string, enabled: boolean): Account {
  const account = existing(draft, handle)
  if (account.enabled === enabled) return account
  const changed = { ...account, enabled, ...(enabled ? {} : { stamp: newStamp() }) }
  replace(draft, account, changed, 'disabled')
  return changed
}

export function setAdmin (draft: Draft, handle: string, admin: boolean): Account {
  const account = existing(draft, handle)
  if (account.admin === admin) return account
  const changed = { ...account, admin }
  replace(draft, account, changed, 'demoted')
  return changed
}

export function removeAccount (draft: Draft, handle: string): Account {
  const account = existing(draft, handle)
  replace(draft, account, undefined, 'removed')
  return account
}
