/**
 * What a user gets from npm: pack the project, install the tarball into an empty folder and run
 * the bin, with no build step on the user's side.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { nodePrefix } from '../helpers/cli.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
/** npm without the test runner's process recorder, which would follow it into every module it loads. */
function withoutRecorder (command: string, args: readonly string[], cwd?: string): string {
  const [env, ...prefix] = nodePrefix(false)
  return execFileSync(env as string, [...prefix, command, ...args], { cwd, encoding: 'utf8', stdio: 'pipe' })
}

t.test('npm pack, install the tarball, npx tavern-server --version', { timeout: 300_000 }, async (t) => {
  const dir = t.testdir({ pack: {}, app: { 'package.json': '{"name":"app","version":"1.0.0","private":true}' } })
  // --ignore-scripts: the tree is already built by `npm test`; pack only collects it.
  withoutRecorder('npm', ['pack', '--ignore-scripts', '--pack-destination', join(dir, 'pack'), root])
  const [tarball] = readdirSync(join(dir, 'pack'))
  t.match(tarball, /^tavern-server-\d+\.\d+\.\d+\.tgz$/)
  const listing = execFileSync('tar', ['-tzf', join(dir, 'pack', tarball!)], { encoding: 'utf8' })
  t.match(listing, 'package/dist/cli/main.js')
  t.match(listing, 'package/default/config.yaml')
  t.match(listing, 'package/bin/tavern-server.js')
  t.notMatch(listing, 'package/src/', 'sources are not shipped')
  t.notMatch(listing, 'package/test/', 'tests are not shipped')
  // --prefer-offline: what `npm ci` fetched for the checkout is in npm's cache already.
  withoutRecorder('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', join(dir, 'pack', tarball!)], join(dir, 'app'))
  const version = withoutRecorder('npx', ['--no-install', 'tavern-server', '--version'], join(dir, 'app'))
  t.match(version, /^\d+\.\d+\.\d+\n$/)
})
