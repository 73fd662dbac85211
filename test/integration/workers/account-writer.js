/**
 * Adds accounts `<prefix>-0`, `<prefix>-1`, … to the accounts of a data root, one change at a
 * time through the real store (the built code), and prints each handle once its change is
 * written: an acknowledged write. Runs until it is killed.
 *
 *   node account-writer.js <dataRoot> <prefix>
 */
import { hostname } from 'node:os'
import { addAccount } from '../../../dist/accounts/account-changes.js'
import { AccountStore } from '../../../dist/accounts/account-store.js'

const [dataRoot, prefix] = process.argv.slice(2)
const isRunning = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}
const store = new AccountStore({ dataRoot, identity: { pid: process.pid, hostname: hostname(), isRunning } }).load()
for (let i = 0; ; i++) {
  const handle = `${prefix}-${i}`
  await store.update((draft) => addAccount(draft, { handle, password: '', admin: false }, Date.now()))
  process.stdout.write(`${handle}\n`)
}
