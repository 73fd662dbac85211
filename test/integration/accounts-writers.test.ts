/**
 * Two writers at once, as users meet them: `tavern-server users add` commands run while the web
 * admin API creates accounts on the running server. Every change of both lands, on disk and in
 * the server.
 */
import t from 'tap'
import { writeAccounts } from '../helpers/accounts-file.js'
import { runToExit, startCli } from '../helpers/cli.js'
import { request } from '../helpers/http.js'

const CONFIG = 'enableUserAccounts: true\nwhitelistDockerHosts: false\n'

async function users (dir: string, args: string[], stdin?: string) {
  return runToExit(['users', ...args], { cwd: dir, ...(stdin === undefined ? {} : { stdin }) })
}

t.test('the CLI and the web admin page change accounts at the same time, and nothing is lost', async (t) => {
  const dir = t.testdir({ 'config.yaml': CONFIG })
  await writeAccounts(dir, { admin: 'admin pw' })
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(() => { cli.child.kill('SIGKILL') })
  const login = await request(`${cli.url}_tavern/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle: 'admin', password: 'admin pw' }) })
  const admin = login.headers['set-cookie']?.[0]?.split(';')[0] as string
  const web = Array.from({ length: 24 }, (_, i) => request(`${cli.url}_tavern/api/admin/accounts`, {
    method: 'POST',
    headers: { cookie: admin, 'content-type': 'application/json' },
    body: JSON.stringify({ handle: `web-${i}` })
  }))
  const commands = Array.from({ length: 6 }, (_, i) => users(dir, ['add', `cli-${i}`, '--no-password']))
  const [answers, results] = await Promise.all([Promise.all(web), Promise.all(commands)])
  t.same(answers.map((a) => a.status), answers.map(() => 201), 'every web change succeeded')
  t.same(results.map((r) => r.code), results.map(() => 0), results.map((r) => r.err).join(''))
  const expected = ['admin', ...Array.from({ length: 24 }, (_, i) => `web-${i}`), ...Array.from({ length: 6 }, (_, i) => `cli-${i}`)].sort()
  const listed = await users(dir, ['list'])
  const table = listed.out.slice(listed.out.indexOf('HANDLE')).trim().split('\n').slice(1)
  t.same(table.map((line) => line.split(' ')[0]).sort(), expected, 'all of them on disk')
  // The server may still be taking the last CLI change when the last command exits.
  const everything = async (): Promise<string[]> => {
    for (;;) {
      const answer = await request(`${cli.url}_tavern/api/admin/accounts`, { headers: { cookie: admin } })
      const handles = (JSON.parse(answer.body) as { accounts: Array<{ handle: string }> }).accounts.map((a) => a.handle).sort()
      if (handles.length === expected.length) return handles
      await cli.waitFor(/accounts\.json changed/)
    }
  }
  t.same(await everything(), expected, 'and all of them in the running server')
})
