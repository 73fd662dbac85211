/**
 * What a user gets from npm: pack the project, install the tarball into an empty folder and run
 * the bin, with no build step on the user's side.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { prefixed } from '../helpers/cli.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
/**
 * npm without the test runner's process recorder, which would follow it into every module it
 * loads. Resolves with standard output; a failure throws with both outputs.
 */
function withoutRecorder (command: string, args: readonly string[], cwd?: string): { stdout: string, stderr: string } {
  const { status, stdout, stderr } = spawnSync(...prefixed(false, command, args), { cwd, encoding: 'utf8' })
  if (status !== 0) throw new Error(`${command} ${args.join(' ')}: exit code ${status}\n${stdout}${stderr}`)
  return { stdout, stderr }
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
  const install = withoutRecorder('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', join(dir, 'pack', tarball!)], join(dir, 'app'))
  // Every package installed runs on the Node.js versions tavern-server's `engines` allows.
  t.notMatch(install.stderr, /EBADENGINE/, 'no dependency asks for a newer Node.js')
  const version = withoutRecorder('npx', ['--no-install', 'tavern-server', '--version'], join(dir, 'app'))
  t.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
})
