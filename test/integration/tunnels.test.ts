/**
 * A tunnel on this computer is not this computer (issue 15), over real sockets and the real CLI:
 * each tunnel's headers sent from 127.0.0.1 (and ::1) to a server whose whitelist is only
 * 127.0.0.1 and ::1, without Basic auth, with it, and with satisfy: any.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { runToExit, startCli } from '../helpers/cli.js'
import { oneConnection, request } from '../helpers/http.js'

const CONFIG = "protocol:\n  ipv6: true\nwhitelist:\n  - 127.0.0.1\n  - '::1'\n"
const AUTH = 'basicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: s3cret-enough\n'
const GOOD = `Basic ${Buffer.from('me:s3cret-enough').toString('base64')}`

/** What each tunnel sends; `origin` when a trusted proxy's header names the visitor. */
const TUNNELS: ReadonlyArray<{ name: string, headers: Record<string, string>, origin?: string }> = [
  { name: 'Tailscale Funnel', headers: { 'Tailscale-Funnel-Request': '?1' } },
  { name: 'Tailscale Funnel (ingress)', headers: { 'Tailscale-Ingress-Src': '203.0.113.5:40000' } },
  { name: 'Tailscale Serve', headers: { 'Tailscale-User-Login': 'alice@example.com', 'Tailscale-User-Name': 'Alice', 'X-Forwarded-For': '100.101.1.2' }, origin: '100.101.1.2' },
  { name: 'cloudflared', headers: { 'CF-Connecting-IP': '203.0.113.9', 'Cf-Ray': '8a1b2c3d4e5f-AMS', 'Cf-Visitor': '{"scheme":"https"}', 'X-Forwarded-For': '203.0.113.9' }, origin: '203.0.113.9' },
  { name: 'cloudflared without X-Forwarded-For', headers: { 'CF-Connecting-IP': '203.0.113.9', 'Cf-Ray': '8a1b2c3d4e5f-AMS' } },
  { name: 'ngrok', headers: { 'Ngrok-Skip-Browser-Warning': '1', 'X-Forwarded-For': '198.51.100.4' }, origin: '198.51.100.4' },
  { name: 'ngrok with a spoofed loopback X-Forwarded-For', headers: { 'Ngrok-Trace-Id': 'x', 'X-Forwarded-For': '127.0.0.1' } }
]

async function start (t: Test, yaml: string, args: string[] = []) {
  const dir = t.testdir({ 'config.yaml': yaml })
  const cli = await startCli(['--port', '0', ...args], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  const get = (host: string, headers: Record<string, string> = {}, path = '/') =>
    request(`http://${host}:${cli.port}${path}`, { headers: { ...headers, host: `localhost:${cli.port}` } })
  const log = async (): Promise<string> => {
    cli.child.kill('SIGTERM')
    await cli.exited
    return readFileSync(join(dir, 'access.log'), 'utf8')
  }
  return { cli, dir, get, log }
}

t.test('whitelist and Basic auth (satisfy: all): the password does not make a tunnel visitor this computer', async (t) => {
  const { get } = await start(t, CONFIG + AUTH)
  t.equal((await get('127.0.0.1')).status, 401, 'this computer is asked for the password')
  t.equal((await get('127.0.0.1', { authorization: GOOD })).status, 200)
  for (const { name, headers } of TUNNELS) {
    t.equal((await get('127.0.0.1', headers)).status, 403, `${name} without the password`)
    t.equal((await get('127.0.0.1', { ...headers, authorization: GOOD })).status, 403, `${name} with the password`)
  }
})

t.test('an X-Forwarded-For the trusted-proxy rules do not resolve marks an unknown relay', async (t) => {
  const { get } = await start(t, `${CONFIG}trustedProxies: []\n`)
  const response = await get('127.0.0.1', { 'X-Forwarded-For': '203.0.113.5' })
  t.equal(response.status, 403)
  t.match(response.body, 'through a proxy or tunnel on the server (X-Forwarded-For), which does not say who is connecting')
})

t.test('one server whose whitelist is this computer alone', async (t) => {
  const { cli, get, log } = await start(t, CONFIG)

  t.test('50 tunnel requests at once: all refused, one console notice', async (t) => {
    const statuses = await Promise.all(Array.from({ length: 50 }, () => get('127.0.0.1', { 'Tailscale-Funnel-Request': '?1' }, '/burst').then((r) => r.status)))
    t.same(new Set(statuses), new Set([403]))
    await cli.waitForErr(/Exposure changed: Tailscale Funnel/)
    t.equal(cli.err().split('\n').filter((l) => l.startsWith('Exposure changed')).length, 1)
  })

  t.test('a kept-alive connection that first carried an unmarked request still judges each marked one', async (t) => {
    const { agent, connections } = oneConnection()
    t.teardown(() => agent.destroy())
    const url = `http://127.0.0.1:${cli.port}/?kept`
    t.equal((await request(url, { agent })).status, 200)
    t.equal((await request(url, { agent, headers: { 'cf-ray': 'x' } })).status, 403)
    t.equal((await request(url, { agent })).status, 200)
    t.equal(connections(), 1)
  })

  t.test('whitelist only: no tunnel visitor is this computer; a named visitor is judged by its address', async (t) => {
    t.equal((await get('127.0.0.1')).status, 200, 'the browser on this computer')
    t.equal((await get('[::1]')).status, 200, 'also over IPv6')
    for (const { name, headers, origin } of TUNNELS) {
      for (const host of ['127.0.0.1', '[::1]']) {
        const response = await get(host, headers)
        t.equal(response.status, 403, `${name} from ${host}`)
        t.match(response.body, origin === undefined ? /which does not say who is connecting\. .*set basicAuthMode: true \(with basicAuthUser\) and satisfy: any in config\.yaml in/ : `(forwarded from ${origin}) through`, name)
      }
    }
    await cli.waitForErr(/Exposure changed: ngrok/)
    t.equal(cli.err().split('\n').filter((l) => l.startsWith('Exposure changed: Tailscale Funnel')).length, 1, 'once per tunnel (and known origin or not)')
    t.match(cli.err(), 'Exposure changed: Cloudflare Tunnel (its requests carry CF-Connecting-IP) relays requests to this server. They arrive from this computer\'s own address but are not treated as this computer. Each request is judged by its visitor\'s own address')
    const lines = (await log()).split('\n')
    t.equal(lines.filter((l) => / path="\/" .* reason=tunnel-forbidden /.test(l)).length, 8, 'four tunnels that name nobody, from 127.0.0.1 and ::1')
    t.match(lines.join('\n'), /client=203\.0\.113\.9 forwarded_from=127\.0\.0\.1 .* status=403 reason=forbidden /, 'a named visitor is refused as itself')
  })
})

t.test('one server with satisfy: any', async (t) => {
  const { cli, dir, get, log } = await start(t, `${CONFIG}${AUTH}satisfy: any\n`)

  t.test('doctor asks the running server which tunnels it has seen', async (t) => {
    await get('127.0.0.1', { 'Tailscale-Funnel-Request': '?1' })
    await get('127.0.0.1', { 'Tailscale-Funnel-Request': '?1' })
    const doctor = await runToExit(['doctor', '--json', '--port', String(cli.port)], { cwd: dir })
    const report = JSON.parse(doctor.out) as { checks: Array<{ id: string, status: string, message: string }> }
    const tunnels = report.checks.filter((c) => c.id === 'tunnels')
    t.equal(tunnels.length, 1)
    t.equal(tunnels[0]?.status, 'warning')
    t.match(tunnels[0]?.message, /^Tailscale Funnel \(its requests carry Tailscale-Funnel-Request\) relayed 2 requests to the running server \(last at \d{4}-.*they must give the password \(satisfy: any\)\.$/)
    t.match(report.checks.find((c) => c.id === 'port')?.message, `port ${cli.port} is held by the tavern-server for this base directory`)
  })

  t.test('satisfy: any: this computer needs no password, a tunnel visitor must give it', async (t) => {
    t.equal((await get('127.0.0.1')).status, 200, 'this computer, whitelisted')
    for (const { name, headers } of TUNNELS) {
      for (const host of ['127.0.0.1', '[::1]']) {
        const asked = await get(host, headers)
        t.equal(asked.status, 401, `${name} from ${host} without the password`)
        t.match(asked.headers['www-authenticate'], /^Basic /)
        t.equal((await get(host, { ...headers, authorization: GOOD })).status, 200, `${name} from ${host} with the password`)
      }
    }
    const wrong = `Basic ${Buffer.from('me:wrong').toString('base64')}`
    t.equal((await get('127.0.0.1', { 'Cf-Ray': 'x', authorization: wrong })).status, 401, 'a wrong password')
    await cli.waitForErr(/Exposure changed: ngrok .*must give the password/)
    t.match(await log(), /reason=auth-required/)
  })
})
