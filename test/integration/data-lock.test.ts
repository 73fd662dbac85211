/**
 * The data root's lock over the real command: a crashed server's lock never blocks a restart,
 * a running server's always does.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { runToExit, startCli } from '../helpers/cli.js'
import { request } from '../helpers/http.js'

t.test('one server started over a lock naming pid 1', async (t) => {
  const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  const dir = t.testdir({ data: { 'tavern-server.lock': JSON.stringify({ pid: 1, start: '1', boot }) } })
  const first = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { first.child.kill(); await first.exited })

  t.test('a lock naming a running process (pid 1) with another start time does not block', async (t) => {
    t.equal((await request(`${first.url}healthz`)).status, 200)
  })

  t.test('an older version\'s lock naming the running server still blocks a second one', async (t) => {
    const lock = join(dir, 'data', 'tavern-server.lock')
    writeFileSync(lock, `${String(first.child.pid)}\n`)
    const second = await runToExit(['--port', '0'], { cwd: dir })
    t.equal(second.code, 1)
    t.match(second.err, `The data root ${join(dir, 'data')} is in use by another tavern-server (process ${String(first.child.pid)}). Stop that one first`)
  })
})

t.test('killed with SIGKILL, a server can be started again at once, before its process is reaped', async (t) => {
  const dir = t.testdir({})
  // The server's parent never reaps it (it becomes a zombie), as a busy supervisor may not in time.
  const first = await startCli(['--port', '0'], { cwd: dir, prefix: ['sh', '-c', '"$@" & exec sleep 60', 'sh'] })
  t.teardown(async () => { first.child.kill(); await first.exited })
  const { pid } = JSON.parse(readFileSync(join(dir, 'data', 'tavern-server.lock'), 'utf8')) as { pid: number }
  process.kill(pid, 'SIGKILL')
  const second = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { second.child.kill(); await second.exited })
  t.equal((await request(`${second.url}healthz`)).status, 200)
  t.equal(JSON.parse(readFileSync(join(dir, 'data', 'tavern-server.lock'), 'utf8')).pid, second.child.pid)
})
