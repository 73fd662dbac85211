/**
 * A crash mid-write corrupts nothing: processes writing accounts are killed with SIGKILL again
 * and again, two at a time (so one dies holding the lock while the other waits), and afterwards
 * the accounts file loads and holds every write that was acknowledged.
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { hostname } from 'node:os'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { addAccount } from '../../src/accounts/account-changes.js'
import { AccountStore } from '../../src/accounts/account-store.js'
import { prefixed } from '../helpers/cli.js'

const WRITER = fileURLToPath(new URL('workers/account-writer.js', import.meta.url))
// Eight rounds: sixteen kills, two at a time, at 1 to 11 acknowledged writes.
const ROUNDS = 8

/** Starts a writer and kills it with SIGKILL when it has acknowledged `acks` writes; resolves with what it acknowledged. */
function writeUntilKilled (dataRoot: string, prefix: string, acks: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(...prefixed(false, process.execPath, [WRITER, dataRoot, prefix]), { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      if (out.split('\n').length - 1 >= acks) child.kill('SIGKILL')
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk })
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`the writer ended by itself (${String(code)}): ${err}`))
      // Only complete lines were acknowledged; a line cut by the kill was not.
      else resolve(out.split('\n').slice(0, -1))
    })
  })
}

t.test('writers killed mid-write leave a file that loads and holds every acknowledged write', async (t) => {
  const dataRoot = t.testdir({})
  const acknowledged: string[] = []
  for (let round = 0; round < ROUNDS; round++) {
    // Two at once: while one is killed holding the lock, the other has to take the lock over.
    const acks = [1 + (round * 7) % 13, 1 + (round * 5) % 11]
    const written = await Promise.all(acks.map((n, i) => writeUntilKilled(dataRoot, `r${round}w${i}`, n)))
    acknowledged.push(...written.flat())
    const store = new AccountStore({ dataRoot, identity: { pid: process.pid, hostname: hostname(), isRunning: () => false } }).load()
    const missing = acknowledged.filter((handle) => store.get(handle) === undefined)
    t.same(missing, [], `round ${round + 1}: every acknowledged write is there (${store.size} accounts)`)
  }
  t.ok(acknowledged.length >= ROUNDS * 2)
  const identity = { pid: process.pid, hostname: hostname(), isRunning: (pid: number) => { try { process.kill(pid, 0); return true } catch { return false } } }
  const store = new AccountStore({ dataRoot, identity }).load()
  await store.update((draft) => addAccount(draft, { handle: 'after', password: '', admin: false }, 1))
  t.ok(store.get('after'), 'a lock left by a killed writer does not block the next one')
  t.same(readdirSync(dataRoot).filter((name) => /^accounts\.json\.\d+$/.test(name)), [], 'the half-written files of killed writers are cleared')
})
