/**
 * `tavern-server doctor` as users run it: the real CLI, the real firewall tools and `ss`, a real
 * program holding the port, in network namespaces where the firewall may be changed.
 */
import { spawn, spawnSync } from 'node:child_process'
import t from 'tap'
import { prefixed, runToExit } from '../helpers/cli.js'
import { freePort } from '../helpers/doctor.js'
import { createNetns, link, netnsUnavailable } from '../helpers/netns.js'

const noNetns = netnsUnavailable()
const noNft = spawnSync('nft', ['--version']).error === undefined ? undefined : 'nft (Debian\'s nftables) is not installed'

interface Report { outcome: string, checks: Array<{ id: string, status: string, message: string, fix?: string }> }

t.test('doctor reads the real nftables rules: a dropping input chain blocks the port, an accept rule opens it', { skip: noNetns ?? noNft }, async (t) => {
  const server = createNetns(t.teardown)
  const phone = createNetns(t.teardown)
  link(server, '192.168.77.1/24', phone, '192.168.77.20/24')
  const dir = t.testdir({ 'config.yaml': 'listen: true\nwhitelist:\n  - 127.0.0.1\n  - 192.168.77.0/24\n' })
  const doctor = async (): Promise<{ code: number | null, report: Report }> => {
    const result = await runToExit(['doctor', '--json', '--port', '8000'], { cwd: dir, prefix: server.prefix })
    return { code: result.code, report: JSON.parse(result.out) as Report }
  }
  const open = await doctor()
  t.equal(open.code, 0, 'a fresh namespace filters nothing')
  t.match(open.report.checks.find((c) => c.id === 'firewall nftables'), { status: 'info', message: 'nftables has no input filter' })

  server.run('nft', 'add table inet filter')
  server.run('nft', 'add chain inet filter input { type filter hook input priority 0 ; policy drop ; }')
  server.run('nft', 'add rule inet filter input tcp dport 22 accept')
  const blocked = await doctor()
  t.equal(blocked.code, 1)
  t.equal(blocked.report.outcome, 'not-arriving')
  const finding = blocked.report.checks.find((c) => c.id === 'firewall nftables')
  t.match(finding, { status: 'problem', message: 'nftables chain inet filter input drops what no rule accepts, and no rule accepts port 8000: connections from other devices never arrive' })

  // The fix doctor gives, run as it says (without sudo: the test is root in its namespace).
  const fix = (finding?.fix ?? '').replace(/^sudo /, '').replace(/ \(and the same in .*$/, '')
  t.equal(fix, 'nft insert rule inet filter input ip saddr 192.168.77.0/24 tcp dport 8000 accept')
  server.run('nft', ...fix.split(' ').slice(1))
  const fixed = await doctor()
  t.equal(fixed.code, 0)
  t.match(fixed.report.checks.find((c) => c.id === 'firewall nftables'), { status: 'ok', message: 'nftables rule "ip saddr 192.168.77.0/24 tcp dport 8000 accept" in inet filter input allows it' })
})

t.test('a port held by another process is named by ss, and doctor exits 1 with the text report', async (t) => {
  const port = await freePort()
  const holder = spawn(...prefixed(false, process.execPath, ['-e', `require('node:net').createServer(() => {}).listen(${port}, '127.0.0.1', () => console.log('ready'))`]), { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { holder.kill() })
  await new Promise((resolve) => holder.stdout.once('data', resolve))
  const result = await runToExit(['doctor', '--port', port], { cwd: t.testdir({ 'config.yaml': '' }) })
  t.equal(result.code, 1)
  const ss = spawnSync('ss', ['-V']).error === undefined
  t.match(result.out, new RegExp(`\\nPROBLEM  port: port ${port} \\(127\\.0\\.0\\.1:${port}\\) is held by another program${ss ? ` \\(node, process ${String(holder.pid)}\\)` : ''}, so the server cannot listen there\\n {9}Fix: stop that program`))
  t.match(result.out, /\nOutcome: the server does not listen on the network: a setting/)
})
