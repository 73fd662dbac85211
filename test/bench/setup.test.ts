/**
 * `npm run bench:setup` (and a full `npm run bench`) installs the missing tools with apt-get when
 * it can, and otherwise says what is missing and what the benchmark does without it.
 */
import t from 'tap'

const { ensureTools, TOOLS } = await import(new URL('../../bench/setup.js', import.meta.url).href) as {
  ensureTools: (options: { log: (line: string) => void, run: Run, uid: number | undefined }) => string[]
  TOOLS: Array<{ command: string, pkg: string }>
}

interface Probe { status: number | null, stdout?: string, stderr?: string, error?: Error }
type Run = (command: string, args: readonly string[], options?: unknown) => Probe

/** A machine where `installed` commands run, apt-get exists or not, and installs succeed or fail. */
function machine (options: { installed: string[], apt: boolean, installable: string[], updateNeeded?: boolean }) {
  const installed = new Set(options.installed)
  const calls: string[] = []
  let updated = false
  const run: Run = (command, args) => {
    calls.push([command, ...args].join(' '))
    if (command === 'apt-get') {
      if (!options.apt) return { status: null, error: new Error('ENOENT') }
      if (args[0] === 'update') {
        updated = true
        return { status: 0 }
      }
      if (args[0] === 'install') {
        if (options.updateNeeded === true && !updated) return { status: 100 }
        for (const tool of TOOLS) if (args.includes(tool.pkg) && options.installable.includes(tool.command)) installed.add(tool.command)
        return { status: 0 }
      }
      return { status: 0, stdout: 'apt 2.6.1' }
    }
    if (!installed.has(command)) return { status: null, error: new Error('ENOENT') }
    const output: Record<string, string> = { wrk: 'wrk 4.1.0 [epoll]', openssl: 'OpenSSL 3.0.15', taskset: 'taskset from util-linux 2.38.1', nginx: 'nginx version: nginx/1.22.1' }
    return { status: 1, stdout: '', stderr: output[command] ?? '' }
  }
  return { run, calls }
}

t.test('nothing is installed when every tool is there', async (t) => {
  const { run, calls } = machine({ installed: ['wrk', 'openssl', 'taskset', 'nginx'], apt: true, installable: [] })
  t.same(ensureTools({ log: () => {}, run, uid: 0 }), [])
  t.notOk(calls.some((c) => c.startsWith('apt-get install')))
})

t.test('as root with apt-get, the missing tools are installed in one go', async (t) => {
  const { run, calls } = machine({ installed: ['taskset'], apt: true, installable: ['wrk', 'openssl', 'nginx'] })
  const lines: string[] = []
  t.same(ensureTools({ log: (line) => lines.push(line), run, uid: 0 }), [])
  t.ok(calls.includes('apt-get install -y --no-install-recommends wrk openssl nginx'))
  t.notOk(calls.includes('apt-get update'), 'the package lists are updated only when the install needs it')
  t.match(lines, ['installing wrk, openssl, nginx with apt-get'])
})

t.test('stale package lists are updated, then the install is tried again', async (t) => {
  const { run, calls } = machine({ installed: ['openssl', 'taskset', 'nginx'], apt: true, installable: ['wrk'], updateNeeded: true })
  t.same(ensureTools({ log: () => {}, run, uid: 0 }), [])
  t.same(calls.filter((c) => c.startsWith('apt-get install') || c === 'apt-get update'), [
    'apt-get install -y --no-install-recommends wrk', 'apt-get update', 'apt-get install -y --no-install-recommends wrk'
  ])
})

t.test('a tool apt-get cannot provide is named with what the benchmark does without it', async (t) => {
  const { run } = machine({ installed: ['openssl', 'taskset'], apt: true, installable: [] })
  const lines: string[] = []
  t.same(ensureTools({ log: (line) => lines.push(line), run, uid: 0 }), ['wrk', 'nginx'])
  t.match(lines.slice(-2), [/^wrk could not be installed: autocannon drives the load instead\.$/, /^nginx could not be installed: the proxied case is not compared with nginx\.$/])
})

t.test('without root or apt-get nothing is installed, and each missing tool is named', async (t) => {
  for (const [uid, apt] of [[1000, true], [0, false]] as const) {
    const { run, calls } = machine({ installed: ['taskset', 'nginx'], apt, installable: ['wrk', 'openssl'] })
    const lines: string[] = []
    t.same(ensureTools({ log: (line) => lines.push(line), run, uid }), ['wrk', 'openssl'])
    t.notOk(calls.some((c) => c.startsWith('apt-get install')))
    t.match(lines, [/^wrk is not installed \(apt-get install wrk, or your system's package manager\): autocannon drives the load instead\.$/, /^openssl is not installed/])
  }
})
