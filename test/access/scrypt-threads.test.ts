/**
 * Password hashes in threads of the lowest priority: the same keys as crypto.scrypt, a thread per
 * hash at once and reused after, nice 19 where the system gives threads a priority of their own,
 * a thread that fails or stops fails its hash and is replaced, and an idle thread keeps no process
 * alive.
 */
import { spawnSync } from 'node:child_process'
import { scryptSync } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import type { Test } from 'tap'
import { answers, ScryptThreads } from '../../src/access/scrypt-threads.js'
import { answer, isRequest, LOWEST, lowerThisThread } from '../../src/access/scrypt-worker.js'
import { prefixed } from '../helpers/cli.js'

const REQUEST = { password: 'pässwörd', salt: Buffer.from('0123456789abcdef'), length: 32, N: 2 ** 10, r: 8, p: 1, maxmem: 256 * 2 ** 10 * 8 }

/** A thread's nice value (field 19 of /proc/self/task/<tid>/stat). */
function niceOf (tid: string | number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
}

/** The nice value of each thread of this process. */
function niceValues (): number[] {
  return readdirSync('/proc/self/task').map(niceOf)
}

/** A thread module of the test's own, from its source. */
function script (t: Test, source: string): URL {
  const file = join(t.testdir({}), 'thread.mjs')
  writeFileSync(file, `import { parentPort } from 'node:worker_threads'\n${source}\n`)
  return pathToFileURL(file)
}

t.test('the keys are crypto.scrypt\'s; one thread per hash at once, reused after', async (t) => {
  const threads = new ScryptThreads()
  t.equal(threads.size, 0, 'no thread before the first hash')
  const key = await threads.derive(REQUEST)
  t.same(key, scryptSync(REQUEST.password, REQUEST.salt, 32, { N: REQUEST.N, r: 8, p: 1 }))
  t.ok(Buffer.isBuffer(key))
  await threads.derive({ ...REQUEST, password: 'other' })
  t.equal(threads.size, 1, 'one after the other: the same thread')
  const [a, b] = await Promise.all([threads.derive(REQUEST), threads.derive({ ...REQUEST, salt: Buffer.from('fedcba9876543210') })])
  t.equal(threads.size, 2, 'two at once: two threads')
  t.same(a, key)
  t.notSame(b, key)
})

t.test('the threads run at the lowest priority (nice 19), the rest of the process as it was', { skip: existsSync('/proc/thread-self') ? false : 'threads have no priority of their own here (no /proc/thread-self)' }, async (t) => {
  const lowest = (): number => niceValues().filter((nice) => nice === LOWEST).length
  const main = (): number => niceOf(process.pid)
  const [before, mainBefore] = [lowest(), main()]
  t.not(mainBefore, LOWEST)
  const threads = new ScryptThreads()
  await Promise.all([threads.derive(REQUEST), threads.derive(REQUEST)])
  t.equal(lowest() - before, 2, 'two more threads at nice 19: the two hashing threads')
  t.equal(main(), mainBefore, 'the main thread keeps its priority')
})

t.test('a thread that stops or fails fails its hash, and the next hash has a new thread', async (t) => {
  const stops = new ScryptThreads(script(t, "parentPort.on('message', () => process.exit(3))"))
  await t.rejects(stops.derive(REQUEST), { message: 'The password hashing thread stopped (exit code 3).' })
  t.equal(stops.size, 0)
  await t.rejects(stops.derive(REQUEST), { message: /exit code 3/ }, 'a new thread (which stops too)')

  const leaves = new ScryptThreads(script(t, "parentPort.on('message', ({ id }) => { parentPort.postMessage({ id, key: Uint8Array.of(9) }); setTimeout(() => process.exit(0), 20) })"))
  t.same(await leaves.derive(REQUEST), Buffer.from([9]))
  t.equal(leaves.size, 1, 'idle after answering')
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.equal(leaves.size, 0, 'an idle thread that stopped is no longer counted')

  const throws = new ScryptThreads(script(t, "parentPort.on('message', () => { throw new Error('broken') })"))
  await t.rejects(throws.derive(REQUEST), { message: 'broken' })
  t.equal(throws.size, 0)
})

t.test('only the answer to the request counts: other messages of a thread are ignored', async (t) => {
  const chatty = new ScryptThreads(script(t, [
    "parentPort.on('message', ({ id }) => {",
    "  parentPort.postMessage({ hello: 'from a test runner' })",
    '  parentPort.postMessage(null)',
    '  parentPort.postMessage({ id: id + 1, key: new Uint8Array(1) })',
    "  parentPort.postMessage({ id, key: 'not bytes' })",
    '  parentPort.postMessage({ id, key: Uint8Array.of(1, 2, 3) })',
    "  parentPort.postMessage({ id, error: 'late' })",
    '})'
  ].join('\n')))
  t.same(await chatty.derive(REQUEST), Buffer.from([1, 2, 3]))
  t.equal(chatty.size, 1)
  const refusing = new ScryptThreads(script(t, "parentPort.on('message', ({ id }) => parentPort.postMessage({ id, error: 'no memory' }))"))
  await t.rejects(refusing.derive(REQUEST), { message: 'no memory' })
  t.equal(refusing.size, 1, 'a thread that answered stays')
})

t.test('answers and requests are told from other messages', async (t) => {
  t.ok(answers({ id: 1, key: new Uint8Array(2) }, 1))
  t.ok(answers({ id: 1, error: 'x' }, 1))
  for (const other of [undefined, null, 'text', { id: 2, key: new Uint8Array(2) }, { id: 1 }, { id: 1, key: [1] }, { id: 1, error: 3 }]) t.notOk(answers(other, 1), JSON.stringify(other) ?? 'undefined')
  t.ok(isRequest({ ...REQUEST, id: 1 }))
  for (const other of [null, 'text', { ...REQUEST }, { ...REQUEST, id: '1' }, { ...REQUEST, id: 1, password: 1 }, { ...REQUEST, id: 1, salt: 'salt' }]) t.notOk(isRequest(other))
})

t.test('a thread answers with the key, or with why scrypt could not make one', async (t) => {
  const ok = answer({ ...REQUEST, id: 7 })
  t.same(ok, { id: 7, key: scryptSync(REQUEST.password, REQUEST.salt, 32, { N: REQUEST.N, r: 8, p: 1 }) })
  const failed = answer({ ...REQUEST, id: 8, maxmem: 1024 })
  t.match(failed, { id: 8, error: /memory/ })
})

t.test('a thread lowers itself by its own id, and says so only when it could', async (t) => {
  const set: Array<[number, number]> = []
  t.ok(lowerThisThread(() => '4321/task/4325', (id, priority) => { set.push([id, priority]) }))
  t.same(set, [[4325, LOWEST]])
  t.notOk(lowerThisThread(() => { throw new Error('ENOENT') }, () => { t.fail('not called') }), 'no /proc/thread-self')
  t.notOk(lowerThisThread(() => 'self', () => { t.fail('not called') }), 'not a thread id')
  t.notOk(lowerThisThread(() => '1/task/2', () => { throw new Error('EACCES') }), 'not allowed')
})

t.test('an idle thread keeps no process alive: a command that hashed exits by itself', async (t) => {
  const module = new URL('../../dist/access/password-hash.js', import.meta.url).href
  const file = join(t.testdir({}), 'hash.mjs')
  writeFileSync(file, `const { hashPassword } = await import(${JSON.stringify(module)})\nconsole.log(await hashPassword('pw', 10))\n`)
  const run = spawnSync(...prefixed(false, process.execPath, [file]), { encoding: 'utf8', timeout: 20_000 })
  t.equal(run.status, 0, run.stderr)
  t.match(run.stdout, /^\$scrypt\$ln=10/)
})
