/**
 * SIGHUP and file changes never stop the server: a reload step that fails (the access log that
 * cannot be reopened after logrotate) is reported, the steps after it run, and the server keeps
 * serving with what it had.
 */
import { chmodSync, chownSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { cannotRunAsOther, startCli, WITHOUT_TEST_RUNNER } from '../helpers/cli.js'
import { request } from '../helpers/http.js'

const ONE = /SIGHUP received: reloading\.\nwhitelist reloaded: 2 entries from [^\n]*\nReload done\.\n/

t.test('the log folder replaced by a file: SIGHUP warns, the whitelist still reloads, lines go on to the rotated file', async (t) => {
  const dir = t.testdir({
    'config.yaml': 'logging:\n  accessLogPath: ./logs/access.log\n',
    'whitelist.txt': '127.0.0.1\n'
  })
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  t.equal((await request(`${cli.url}healthz`, { localAddress: '127.0.0.3' })).status, 403)
  renameSync(join(dir, 'logs'), join(dir, 'logs.1'))
  writeFileSync(join(dir, 'logs'), 'a file where the folder was')
  writeFileSync(join(dir, 'whitelist.txt'), '127.0.0.1\n127.0.0.3\n')
  // The file watch takes the new list; SIGHUP then reopens the log (which fails) and reloads it again.
  await cli.waitFor(/whitelist reloaded: 2 entries/)
  cli.child.kill('SIGHUP')
  await cli.waitFor(ONE)
  // stderr and stdout are separate pipes: the warning may arrive after "Reload done." does.
  await cli.waitForErr(/its lines go on to the file it had open before \(the rotated one\)/)
  t.match(cli.err(), `Cannot write the access log ${join(dir, 'logs', 'access.log')} (EEXIST`)
  t.equal((await request(`${cli.url}healthz`, { localAddress: '127.0.0.3' })).status, 200, 'still serving, with the new whitelist')
  cli.child.kill('SIGHUP')
  await cli.waitFor(new RegExp(`${ONE.source}[^]*${ONE.source}`))
  t.equal(cli.err().match(/Cannot write the access log/g)?.length, 1, 'said once')
  t.equal((await request(`${cli.url}x`, { localAddress: '127.0.0.4' })).status, 403)
  // Fixed: the next SIGHUP opens the file again.
  rmSync(join(dir, 'logs'))
  cli.child.kill('SIGHUP')
  await cli.waitForErr(/The access log \S+ is written again\.\n/)
  await request(`${cli.url}y`, { localAddress: '127.0.0.5' })
  cli.child.kill('SIGTERM')
  t.equal(await cli.exited, 0)
  const rotated = readFileSync(join(dir, 'logs.1', 'access.log'), 'utf8')
  t.match(rotated, /client=127\.0\.0\.3 .*reason=forbidden[^]*client=127\.0\.0\.3 .*reason=allowed[^]*client=127\.0\.0\.4 .*path="\/x" status=403/)
  t.match(readFileSync(join(dir, 'logs', 'access.log'), 'utf8'), /^\S+ client=127\.0\.0\.5 .*path="\/y" status=403 reason=forbidden ua=-\n$/)
})

t.test("the README's logrotate recipe with a server run as another user: a new file it may not open", { skip: cannotRunAsOther() }, async (t) => {
  const dir = t.testdir({ 'whitelist.txt': '127.0.0.1\n' })
  chownSync(dir, 65534, 65534)
  chownSync(join(dir, 'whitelist.txt'), 65534, 65534)
  const cli = await startCli(['--port', '0'], { cwd: dir, prefix: [...WITHOUT_TEST_RUNNER, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  const log = join(dir, 'access.log')
  t.equal((await request(`${cli.url}healthz`, { localAddress: '127.0.0.3' })).status, 403)
  // mv access.log access.log.1; install -m 0640 -o root /dev/null access.log; kill -HUP <pid>
  renameSync(log, `${log}.1`)
  writeFileSync(log, '')
  chmodSync(log, 0o640)
  writeFileSync(join(dir, 'whitelist.txt'), '127.0.0.1\n127.0.0.3\n')
  await cli.waitFor(/whitelist reloaded: 2 entries/)
  cli.child.kill('SIGHUP')
  await cli.waitFor(ONE)
  await cli.waitForErr(/Cannot write the access log .*\(EACCES/)
  t.match(cli.err(), `Cannot write the access log ${log} (EACCES`)
  t.equal((await request(`${cli.url}healthz`, { localAddress: '127.0.0.3' })).status, 200, 'still serving, with the new whitelist')
  cli.child.kill('SIGTERM')
  t.equal(await cli.exited, 0)
  t.match(readFileSync(`${log}.1`, 'utf8'), /client=127\.0\.0\.3 .*reason=forbidden[^]*client=127\.0\.0\.3 .*reason=allowed/)
  t.equal(readFileSync(log, 'utf8'), '')
})
