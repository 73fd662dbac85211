/**
 * What the console says of attempts, over the real command: every attempt shows (the first few
 * from each address, then a count), and requests that Node's parser refuses leave a trace too.
 */
import t from 'tap'
import { startCli } from '../helpers/cli.js'
import { request } from '../helpers/http.js'

t.test('three refusals from one address within a minute are three console lines', async (t) => {
  const cli = await startCli(['--port', '0'], { cwd: t.testdir({}) })
  t.teardown(() => { cli.child.kill() })
  for (let i = 0; i < 3; i++) t.equal((await request(`${cli.url}attempt-${i}`, { localAddress: '127.0.0.5' })).status, 403)
  await cli.waitForErr(/(?:Forbidden: Connection attempt from 127\.0\.0\.5\.[^\n]*\n){3}/)
})
