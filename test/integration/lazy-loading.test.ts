/**
 * Each start loads only what its command line and config use: the real command, spawned with a
 * module hook that writes down every module it loads. And a part that cannot be loaded when it is
 * needed is a clear, coded error.
 */
import { cpSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import t from 'tap'
import type { Test } from 'tap'
import { runToExit, startCli, WITHOUT_TEST_RUNNER } from '../helpers/cli.js'
import type { SpawnOptions } from '../helpers/cli.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

// Node runs module hooks on a thread of their own; each module loaded is appended to the file.
const HOOKS = `import { appendFileSync } from 'node:fs'
export async function load (url, context, next) {
  appendFileSync(process.env.LOADED_MODULES, url + '\\n')
  return next(url, context)
}`
const REGISTER = `import { register } from 'node:module'
register(new URL('./hooks.mjs', import.meta.url))`

/** A test's folder: the hook, and `base` to run the command in. */
const folder = (t: Test): string => t.testdir({ hooks: { 'hooks.mjs': HOOKS, 'register.mjs': REGISTER }, base: {} })

/**
 * Spawn options (in `dir`/base) that record the modules loaded in `dir`/`name`.txt; `loaded()`
 * lists them, relative to the checkout.
 */
function recording (dir: string, name: string): { options: SpawnOptions, loaded: () => string[] } {
  const list = join(dir, `${name}.txt`)
  return {
    // Without the test runner's own hooks: the list holds the command's modules only.
    options: { cwd: join(dir, 'base'), prefix: WITHOUT_TEST_RUNNER, nodeArgs: ['--import', pathToFileURL(join(dir, 'hooks', 'register.mjs')).href], env: { LOADED_MODULES: list } },
    loaded: () => readFileSync(list, 'utf8').split('\n').filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url).slice(ROOT.length))
  }
}

const has = (loaded: readonly string[], part: string): boolean => loaded.some((file) => file.startsWith(part))

/** Each a package or a file that a start without the matching feature must not load. */
const FEATURES = {
  server: ['node_modules/fastify/', 'node_modules/pino/', 'dist/cli/serve.js'],
  config: ['node_modules/js-yaml/', 'dist/config/load.js'],
  certificates: ['node_modules/@peculiar/x509/', 'dist/server/tls-self-signed.js'],
  https: ['dist/server/tls.js'],
  upstream: ['node_modules/@fastify/reply-from/', 'node_modules/undici/', 'dist/server/app-proxy.js'],
  files: ['node_modules/@fastify/static/', 'dist/server/static-files.js'],
  qrCode: ['node_modules/uqr/'],
  accounts: ['dist/server/account-routes.js', 'dist/cli/accounts.js', 'dist/accounts/session-store.js'],
  doctor: ['dist/cli/doctor/'],
  service: ['dist/service/']
} as const

function loads (t: Test, loaded: readonly string[], yes: ReadonlyArray<keyof typeof FEATURES>, no: ReadonlyArray<keyof typeof FEATURES>): void {
  for (const feature of yes) for (const part of FEATURES[feature]) t.ok(has(loaded, part), `loads ${part} (${feature})`)
  for (const feature of no) for (const part of FEATURES[feature]) t.notOk(has(loaded, part), `does not load ${part} (${feature})`)
}

t.test('--help loads neither the server nor the config loader nor any sub-command\'s modules', async (t) => {
  const { options, loaded } = recording(folder(t), 'help')
  const run = await runToExit(['--help'], options)
  t.equal(run.code, 0)
  t.match(run.out, 'Usage:')
  t.ok(has(loaded(), 'dist/cli/main.js'), 'the hook sees the command\'s modules')
  loads(t, loaded(), [], ['server', 'config', 'certificates', 'https', 'upstream', 'files', 'qrCode', 'accounts', 'doctor', 'service'])
  t.notOk(has(loaded(), 'node_modules/ipaddr.js/'), 'nor ipaddr.js (the check-access argument is read without it)')
})

t.test('a start on the defaults loads the server, and nothing of HTTPS, the app proxy, static files, the QR code or accounts', async (t) => {
  const { options, loaded } = recording(folder(t), 'start')
  const cli = await startCli(['--port', '0'], options)
  cli.child.kill('SIGINT')
  t.equal(await cli.exited, 0)
  loads(t, loaded(), ['server', 'config'], ['certificates', 'https', 'upstream', 'files', 'qrCode', 'accounts', 'doctor', 'service'])
})

t.test('cert loads the certificate generator; a start with --ssl and an app behind the gate loads HTTPS and the proxy, not the generator', async (t) => {
  const dir = folder(t)
  const cert = recording(dir, 'cert')
  t.equal((await runToExit(['cert'], cert.options)).code, 0)
  loads(t, cert.loaded(), ['certificates', 'config'], ['server', 'upstream'])

  const start = recording(dir, 'start')
  const cli = await startCli(['--port', '0', '--ssl', '--upstream', 'http://127.0.0.1:9'], start.options)
  cli.child.kill('SIGINT')
  t.equal(await cli.exited, 0)
  loads(t, start.loaded(), ['server', 'https', 'upstream'], ['certificates', 'files', 'qrCode', 'accounts'])
})

t.test('a part missing from the installation is a clear error when it is needed, not before', async (t) => {
  // A copy of the installation without the server's module.
  const dir = t.testdir({ install: {}, base: {} })
  const install = join(dir, 'install')
  for (const part of ['bin', 'dist', 'default', 'package.json']) cpSync(join(ROOT, part), join(install, part), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules'), join(install, 'node_modules'))
  rmSync(join(install, 'dist', 'cli', 'serve.js'))
  const script = join(install, 'bin', 'tavern-server.js')

  const help = await runToExit(['--help'], { cwd: join(dir, 'base'), script })
  t.equal(help.code, 0, '--help does not need it')

  const start = await runToExit(['--port', '0'], { cwd: join(dir, 'base'), script })
  t.equal(start.code, 1)
  t.match(start.err, `A part of tavern-server is missing: Cannot find module '${join(install, 'dist', 'cli', 'serve.js')}'`)
  t.match(start.err, `The installation in ${install} is incomplete`)
  t.notMatch(start.err, /Unexpected error|\n\s+at /, 'no stack trace, nothing to report as a bug')
})
