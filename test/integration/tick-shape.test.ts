/**
 * The real command keeps process.nextTick's property stores monomorphic through idle full garbage
 * collections (see src/cli/tick-shape.ts). Observed the only way V8 shows it: with
 * --allow-natives-syntax, a probe preloaded into the process prints nextTick's feedback vector
 * (%DebugPrint) after serving, going idle and collecting. A control process without the fix goes
 * through the same steps first, to show that this V8 does degrade, so the check can fail.
 */
import { closeSync, openSync, readFileSync } from 'node:fs'
import { Agent } from 'node:http'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { spawnCli, WITHOUT_TEST_RUNNER } from '../helpers/cli.js'
import type { Spawned } from '../helpers/cli.js'
import { request } from '../helpers/http.js'

// V8 prints through C's buffered stdout, which loses its tail at exit when stdout is a pipe, so the
// process writes stdout to a file; the probe copies the process's own lines to stderr, where the
// test waits for them. On SIGUSR2: eight full collections with the tick queue empty (an idle
// server), a burst of nextTick calls, nextTick's feedback, and exit. %DebugPrint sits in a helper.
const PROBE = `
const write = process.stdout.write.bind(process.stdout)
process.stdout.write = (chunk, ...rest) => { process.stderr.write(chunk); return write(chunk, ...rest) }
function print (value) { %DebugPrint(value) }
process.on('SIGUSR2', () => {
  let collections = 0
  const collect = () => {
    globalThis.gc()
    if (++collections < 8) { setTimeout(collect, 5); return }
    for (let i = 0; i < 100; i++) process.nextTick(() => {})
    setImmediate(() => { print(process.nextTick); process.exit(0) })
  }
  collect()
})
`
// Without tavern-server: nextTick is used (so V8 gives it feedback), then the process idles.
const CONTROL = `
for (let i = 0; i < 1000; i++) process.nextTick(() => {})
setInterval(() => {}, 1000)
process.stdout.write('ready\\n')
`
// --no-flush-bytecode: eight idle collections could otherwise let V8 drop nextTick's bytecode and
// feedback, which a server in use never sees (it calls nextTick all the time).
const NODE_ARGS = ['--expose-gc', '--allow-natives-syntax', '--no-flush-bytecode']

interface Probed { spawned: Spawned, output: string }

/** Runs `script` (default: the CLI) with the probe; `output` is where its stdout goes. */
function spawnProbed (t: Test, dir: string, name: string, args: string[], script?: string): Probed {
  const output = join(dir, `${name}.out`)
  const fd = openSync(output, 'w')
  const spawned = spawnCli(args, {
    cwd: dir,
    ...(script === undefined ? {} : { script }),
    nodeArgs: [...NODE_ARGS, '--require', join(dir, 'probe.cjs')],
    // Precise coverage would give nextTick its feedback before tavern-server runs a line.
    prefix: WITHOUT_TEST_RUNNER,
    stdout: fd
  })
  closeSync(fd)
  t.teardown(() => { spawned.child.kill('SIGKILL') })
  return { spawned, output }
}

/** Idles and collects (the probe), then the IC states of nextTick's object-literal stores. */
async function literalStores (t: Test, { spawned, output }: Probed): Promise<string[]> {
  spawned.child.kill('SIGUSR2')
  t.equal(await spawned.exited, 0, 'the probe ran')
  return [...readFileSync(output, 'utf8').matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((m) => m[1] as string)
}

t.test('process.nextTick stays fast in tavern-server after idle full collections', async (t) => {
  const dir = t.testdir({ 'probe.cjs': PROBE, 'control.js': CONTROL, 'config.yaml': 'whitelistMode: false\n' })

  const control = spawnProbed(t, dir, 'control', [], join(dir, 'control.js'))
  await control.spawned.waitForErr(/ready/)
  const degraded = await literalStores(t, control)
  if (degraded.length === 0) {
    t.pass('nextTick\'s stores', { skip: `this V8 (${process.versions.v8}) prints no DefineKeyedOwnPropertyInLiteral feedback: the probe cannot see the stores` })
    return
  }
  if (!degraded.includes('MEGAMORPHIC')) {
    t.pass('nextTick\'s stores', { skip: `this V8 (${process.versions.v8}) keeps the stores monomorphic without help: nothing to prevent` })
    return
  }
  t.pass('without the fix, the stores go megamorphic')

  const cli = spawnProbed(t, dir, 'cli', ['--port', '0'])
  const url = (await cli.spawned.waitForErr(/Go to: (http:\/\/\S+)\n/))[1] as string
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => { agent.destroy() })
  for (let i = 0; i < 50; i++) t.equal((await request(`${url}robots.txt`, { agent })).status, 200)
  const stores = await literalStores(t, cli)
  t.ok(stores.length > 0, 'the probe printed the stores')
  t.notOk(stores.includes('MEGAMORPHIC'), `tavern-server's stores stay monomorphic (${stores.join(', ')})`)
})
