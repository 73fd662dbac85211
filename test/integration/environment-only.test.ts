/**
 * Configuration by environment alone, with the real command: nothing is written to the working
 * directory, and where data and logs go instead.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { runToExit, startCli } from '../helpers/cli.js'
import { request } from '../helpers/http.js'

t.test('a start with the environment alone writes nothing to its working directory', async (t) => {
  const dir = t.testdir({ cwd: {}, data: {}, logs: {} })
  const cwd = join(dir, 'cwd')
  const cli = await startCli([], {
    cwd,
    env: {
      TAVERN_NO_CONFIG_FILE: '1',
      TAVERN_PORT: '0',
      TAVERN_DATAROOT: join(dir, 'data'),
      TAVERN_LOGGING_ACCESSLOGPATH: join(dir, 'logs', 'access.log'),
      TAVERN_WHITELIST: '127.0.0.1'
    }
  })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  t.equal((await request(`${cli.url}`)).status, 200)
  t.equal((await request(`http://[::1]:${cli.port}/`).catch(() => ({ status: 'refused' }))).status, 'refused', 'IPv4 only: the defaults still apply')
  t.notMatch(cli.out(), /Created config\.yaml/)
  t.same(readdirSync(cwd), [], 'no config.yaml, no data, no access.log here')
  t.same(readdirSync(join(dir, 'data')), ['tavern-server.lock'])
  t.match(readFileSync(join(dir, 'logs', 'access.log'), 'utf8'), 'reason=allowed')
  cli.child.kill('SIGTERM')
  t.equal(await cli.exited, 0)
})

t.test('with systemd\'s StateDirectory= and LogsDirectory= the data and the log go there', async (t) => {
  const dir = t.testdir({ cwd: {}, state: {}, logs: {} })
  const cli = await startCli(['--port', '0'], {
    cwd: join(dir, 'cwd'),
    env: { TAVERN_NO_CONFIG_FILE: 'yes', STATE_DIRECTORY: join(dir, 'state'), LOGS_DIRECTORY: join(dir, 'logs') }
  })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  t.equal((await request(cli.url)).status, 200)
  t.same(readdirSync(join(dir, 'cwd')), [])
  t.same(readdirSync(join(dir, 'state')), ['data'])
  t.same(readdirSync(join(dir, 'logs')), ['access.log'])
})

t.test('without a place for data, it refuses to start and says which variables to set', async (t) => {
  const cwd = t.testdir({})
  const result = await runToExit(['--port', '0'], { cwd, env: { TAVERN_NO_CONFIG_FILE: '1' } })
  t.equal(result.code, 1)
  t.match(result.err, /^The configuration has 2 problems:\n {2}- TAVERN_NO_CONFIG_FILE is set, so nothing is written to the working directory .*TAVERN_DATAROOT/)
  t.same(readdirSync(cwd), [])
})
