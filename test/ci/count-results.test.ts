/**
 * CI's last line, "N passed, N failed", is right whatever happened: every test passing, a file
 * timing out under CI=true (which suppresses tap's own summary), a file crashing, lint or
 * typecheck failing before any test ran, the coverage threshold, npm ci failing.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { prefixed } from '../helpers/cli.js'

const SCRIPT = fileURLToPath(new URL('../../.ci/count-results.js', import.meta.url))
const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url))
const TAP_BIN = join(NODE_MODULES, 'tap', 'dist', 'esm', 'run.mjs')
const { countTap, countRun } = await import(SCRIPT) as {
  countTap: (text: string) => { passed: number, failed: number, skipped: number, problems: string[] }
  countRun: (run: { files: string[], read: (file: string) => string | undefined, status: number, log?: string, checks?: Array<{ name: string, status: number }> }) =>
  { passed: number, failed: number, skipped: number, lines: string[] }
}

// What tap 21 writes to .tap/test-results/<file>.tap, as written.
const PASSING = `TAP version 14
# Subtest: one
    ok 1 - should be equal
    ok 2 - should be equal
    1..2
ok 1 - one # time=2.316ms

ok 2 - should be equal
1..2
# time=7.662ms
`
const TIMED_OUT = `TAP version 14
# Subtest: slow
    ok 1 - should be equal
    not ok 2 - timeout!
      ---
      signal: null
      expired: TAP
      ...
    
    1..2
not ok 1 - slow # time=5004.784ms
  ---
  at:
    fileName: test/b.test.js
    lineNumber: 2
  source: >
    ok 7 - this source excerpt is not a result
  ...

1..1
# time=5021.464ms
`
const FAILING = `TAP version 14
ok 1 - should be equal
not ok 2 - fails
  ---
  compare: ===
  ...

1..2
`
const SKIPPING = `TAP version 14
ok 1 - runs
ok 2 - drives Chromium # SKIP /usr/bin/chromium is missing
ok 3 - later # todo
1..3
`
const CRASHED = `TAP version 14
ok 1 - started
`
const SUBTEST_THREW = `TAP version 14
# Subtest: throws
    ok 1 - before the throw
    1..2
not ok 1 - throws # time=3ms
  ---
  error: boom
  ...

1..1
`
const SHORT = `TAP version 14
ok 1 - first
1..3
`
const HASH_IN_NAME = `TAP version 14
# Subtest: one entry per line, \\# comments
    ok 1 - should be equal
    1..1
ok 1 - one entry per line, \\# comments # time=8.925ms

# Subtest: a property checked by throwing
    1..0
ok 2 - a property checked by throwing # time=588.514ms

1..2
`
const BAILED = `TAP version 14
ok 1 - first
Bail out! the database is gone
`

t.test('counts one file: assertions, skips, and what ended it early', async (t) => {
  const cases: Array<[string, string, { passed: number, failed: number, skipped: number }, string[]]> = [
    ['a passing file with a subtest', PASSING, { passed: 3, failed: 0, skipped: 0 }, []],
    ['a file that timed out', TIMED_OUT, { passed: 1, failed: 1, skipped: 0 }, ['timed out']],
    ['a failing assertion', FAILING, { passed: 1, failed: 1, skipped: 0 }, ['not ok - fails']],
    ['a skip and a todo', SKIPPING, { passed: 1, failed: 0, skipped: 1 }, []],
    ['a file killed before its plan', CRASHED, { passed: 1, failed: 1, skipped: 0 }, ['ended before its plan (killed, crashed or timed out)']],
    ['a subtest that failed with no failing assertion', SUBTEST_THREW, { passed: 1, failed: 1, skipped: 0 }, ['not ok - throws # time=3ms']],
    ['fewer tests than planned', SHORT, { passed: 1, failed: 1, skipped: 0 }, ['planned 3 tests, ran 1']],
    ['a bail-out', BAILED, { passed: 1, failed: 2, skipped: 0 }, ['Bail out! the database is gone', 'ended before its plan (killed, crashed or timed out)']],
    // tap's own summary counts a subtest named with # as one assertion more, and a subtest with
    // none as one: the second, not the first.
    ['a subtest named with #, and one that asserts nothing', HASH_IN_NAME, { passed: 2, failed: 0, skipped: 0 }, []],
    ['Windows line ends', PASSING.replace(/\n/g, '\r\n'), { passed: 3, failed: 0, skipped: 0 }, []]
  ]
  for (const [name, text, expected, problems] of cases) {
    const counts = countTap(text)
    t.same({ passed: counts.passed, failed: counts.failed, skipped: counts.skipped }, expected, name)
    t.same(counts.problems, problems, `${name}: problems`)
  }
})

t.test('the last line of a run', async (t) => {
  const outputs: Record<string, string> = { 'test/a.test.ts': PASSING, 'test/b.test.ts': TIMED_OUT, 'test/c.test.ts': SKIPPING }
  const read = (file: string) => outputs[file]
  const last = (run: Parameters<typeof countRun>[0]) => countRun(run).lines.at(-1)

  t.equal(last({ files: ['test/a.test.ts'], read, status: 0 }), '3 passed, 0 failed', 'everything passes')
  const timedOut = countRun({ files: ['test/a.test.ts', 'test/b.test.ts'], read, status: 1 })
  t.equal(timedOut.lines.at(-1), '4 passed, 1 failed', 'one file times out')
  t.match(timedOut.lines, [/^test\/b\.test\.ts: 1 passed, 1 failed: timed out$/])
  t.equal(last({ files: ['test/a.test.ts', 'test/missing.test.ts'], read, status: 1 }), '3 passed, 1 failed', 'a file with no results')
  t.match(countRun({ files: ['test/a.test.ts', 'test/missing.test.ts'], read, status: 1 }).lines, [/^test\/missing\.test\.ts: no results/])

  const lint = countRun({ files: ['test/x.test.ts', 'test/y.test.ts'], read: () => undefined, status: 1 })
  t.same(lint.lines, ['npm test failed (exit code 1) before any test file ran: the build, lint or typecheck failed (see above).', '0 passed, 1 failed'], 'lint or typecheck fails first')

  const coverage = countRun({ files: ['test/a.test.ts'], read, status: 1, log: 'ok\nERROR: Coverage for lines (99.51%) does not meet global threshold (100%)\n' })
  t.same(coverage.lines, ['npm test failed (exit code 1) with every test passing: ERROR: Coverage for lines (99.51%) does not meet global threshold (100%)', '3 passed, 1 failed'], 'coverage below the threshold')
  t.same(countRun({ files: ['test/a.test.ts'], read, status: 2 }).lines, ['npm test failed (exit code 2) with every test passing (lint, typecheck or coverage: see above).', '3 passed, 1 failed'])

  const skipped = countRun({ files: ['test/a.test.ts', 'test/c.test.ts'], read, status: 0 })
  t.same(skipped.lines, ['1 skipped (each test prints why)', '4 passed, 0 failed'], 'skips are neither')

  const checks = countRun({ files: ['test/a.test.ts'], read, status: 0, checks: [{ name: 'fresh clone', status: 0 }, { name: 'other', status: 3 }] })
  t.same(checks.lines, ['other: failed (exit code 3)', '4 passed, 1 failed'], 'extra checks count one each')
})

/**
 * Runs a command, collecting its output; resolves with the exit code. The script under test runs
 * with the light coverage recorder (its main() is counted), a nested tap without any.
 */
function run (command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null, out: string }> {
  return new Promise((resolve) => {
    // prefixed: else the runner puts its own process recorder back into the environment.
    const child = spawn(...prefixed(args[0] === SCRIPT, command, args), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
    child.on('close', (code) => resolve({ code, out }))
  })
}

/** This environment without the test runner's own settings, so a nested tap starts afresh. */
function cleanEnv (extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^_?TAP|^NODE_OPTIONS$|^NODE_V8_COVERAGE$/.test(k)) env[k] = v
  }
  return { ...env, ...extra }
}

t.test('with CI=true and a file timing out in real tap, the count is still right', async (t) => {
  const dir = t.testdir({
    // Both files at once. The runner's limit is long enough for the file that finishes to finish
    // on a machine busy with the rest of the suite (a starting test process took over 6 s at a
    // load average of 12). The other never finishes: it sets its own limit, shorter, the way the
    // runner's limit reaches every file (the runner hands it to the file's root test), so it
    // times out in seconds instead of waiting out the 15.
    'package.json': JSON.stringify({ type: 'module', tap: { include: ['test/*.test.js'], timeout: 15, jobs: 2, 'disable-coverage': true, reporter: 'terse', typecheck: false } }),
    node_modules: t.fixture('symlink', NODE_MODULES),
    test: {
      'fine.test.js': "import t from 'tap'\nt.test('two', async (t) => { t.ok(1); t.ok(1) })\nt.ok(true)\n",
      'hangs.test.js': "import t from 'tap'\nt.setTimeout(3000)\nt.test('waits forever', async (t) => { t.ok(1); await new Promise(() => setInterval(() => {}, 1000)) })\n"
    }
  })
  const tap = await run(process.execPath, [TAP_BIN], dir, cleanEnv({ CI: 'true' }))
  t.not(tap.code, 0, 'tap fails the run')
  t.notMatch(tap.out, /# \{ total: /, 'and, under CI=true, prints no summary line: nothing to count from there')
  const count = await run(process.execPath, [SCRIPT, '--status', String(tap.code), 'test/fine.test.js', 'test/hangs.test.js'], dir, cleanEnv({}))
  t.equal(count.code, 0)
  t.match(count.out, /^test\/hangs\.test\.js: 1 passed, 1 failed: timed out\n4 passed, 1 failed\n$/, `what tap printed:\n${tap.out}`)
})

t.test('the command line: results from files, the log, checks, and a step that failed first', async (t) => {
  const dir = t.testdir({})
  mkdirSync(join(dir, 'results', 'test'), { recursive: true })
  writeFileSync(join(dir, 'results', 'test', 'a.test.ts.tap'), PASSING)
  writeFileSync(join(dir, 'npm-test.log'), 'ERROR: Coverage for branches (98%) does not meet global threshold (100%)\n')
  const env = cleanEnv({})
  const passing = await run(process.execPath, [SCRIPT, '--results', 'results', '--status', '0', '--check', 'fresh clone=0', 'test/a.test.ts'], dir, env)
  t.equal(passing.out, '4 passed, 0 failed\n')
  const coverage = await run(process.execPath, [SCRIPT, '--results', 'results', '--status', '1', '--log', 'npm-test.log', 'test/a.test.ts'], dir, env)
  t.equal(coverage.out, 'npm test failed (exit code 1) with every test passing: ERROR: Coverage for branches (98%) does not meet global threshold (100%)\n3 passed, 1 failed\n')
  const noLog = await run(process.execPath, [SCRIPT, '--results', 'results', '--status', '1', '--log', 'nowhere.log', 'test/a.test.ts'], dir, env)
  t.match(noLog.out, /with every test passing \(lint, typecheck or coverage: see above\)\.\n3 passed, 1 failed\n$/)
  const defaults = await run(process.execPath, [SCRIPT, 'test/a.test.ts'], dir, env)
  t.equal(defaults.out, 'test/a.test.ts: no results (it did not run, or was killed before it printed anything)\n0 passed, 1 failed\n', 'results default to .tap/test-results; status to 0')
  const npmCi = await run(process.execPath, [SCRIPT, '--step-failed', 'npm ci'], dir, env)
  t.equal(npmCi.out, 'npm ci failed: no test ran.\n0 passed, 1 failed\n')
})
