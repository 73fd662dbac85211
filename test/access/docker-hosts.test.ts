import t from 'tap'
import { createSystemProbe, dockerHostRules, gatewayFromRouteTable, systemProbe } from '../../src/access/docker-hosts.js'
import type { ContainerProbe } from '../../src/access/docker-hosts.js'

const probe = (over: Partial<ContainerProbe>): ContainerProbe => ({
  inContainer: () => true,
  resolve: async () => [],
  defaultGateway: () => undefined,
  ...over
})

t.test('outside a container nothing is added', async (t) => {
  t.same(await dockerHostRules(probe({ inContainer: () => false, defaultGateway: () => '172.17.0.1' }), '/srv/config.yaml'), { rules: [], lines: [] })
})

t.test('admits the default gateway and what the Docker names resolve to, once each', async (t) => {
  const result = await dockerHostRules(probe({
    defaultGateway: () => '172.18.0.1',
    resolve: async (name) => name === 'host.docker.internal' ? ['192.168.65.254', '172.18.0.1'] : []
  }), '/srv/config.yaml')
  t.same(result.rules, [
    { entry: '172.18.0.1', source: 'whitelistDockerHosts (the default gateway)' },
    { entry: '192.168.65.254', source: 'whitelistDockerHosts (host.docker.internal)' }
  ])
  t.match(result.lines[0], 'Running in a container: also admitting the Docker host 172.18.0.1 (the default gateway), 192.168.65.254 (host.docker.internal).')
  t.equal(result.lines[1], 'On Docker Desktop that address stands for every device on your network; to admit only the whitelist, set whitelistDockerHosts: false in /srv/config.yaml.')
})

t.test('says so when no Docker host can be found, and what to do if the host is refused', async (t) => {
  const result = await dockerHostRules(probe({}), '/srv/config.yaml')
  t.same(result.rules, [])
  t.match(result.lines, [/no Docker host address was found.*If a browser on the host computer is refused, add the address its Forbidden message names to the whitelist\.$/])
})

t.test('reads the gateway from the Linux routing table', async (t) => {
  const table = 'Iface\tDestination\tGateway \tFlags\nlo\tbad\nwlan0\t000200C0\t00000000\t0001\neth0\t00000000\t010011AC\t0003\n'
  t.equal(gatewayFromRouteTable(table), '172.17.0.1')
  t.equal(gatewayFromRouteTable('Iface\tDestination\tGateway\neth0\t00000000\t00000000\t0001\n'), undefined)
  t.equal(gatewayFromRouteTable(''), undefined)
})

t.test('the system probe reads this machine', async (t) => {
  t.type(systemProbe.inContainer(), 'boolean')
  const gateway = systemProbe.defaultGateway()
  t.ok(gateway === undefined || /^\d+\.\d+\.\d+\.\d+$/.test(gateway))
  // localhost comes from /etc/hosts: no query leaves the machine. (Names that do not resolve are
  // covered by the CLI started inside a network namespace, where no query can leave either.)
  t.ok((await systemProbe.resolve('localhost')).includes('127.0.0.1'))
})

t.test('the system probe recognises Docker, Podman and cgroup markers', async (t) => {
  t.equal(createSystemProbe(t.testdir({})).inContainer(), false, 'a plain machine')
  t.equal(createSystemProbe(t.testdir({ '.dockerenv': '' })).inContainer(), true)
  t.equal(createSystemProbe(t.testdir({ run: { '.containerenv': '' } })).inContainer(), true)
  t.equal(createSystemProbe(t.testdir({ proc: { 1: { cgroup: '0::/kubepods/burstable/pod1\n' } } })).inContainer(), true)
  const probe = createSystemProbe(t.testdir({ proc: { net: { route: 'Iface\tDestination\tGateway\neth0\t00000000\t0100A8C0\n' } } }))
  t.equal(probe.defaultGateway(), '192.168.0.1')
  t.equal(createSystemProbe(t.testdir({})).defaultGateway(), undefined, 'no routing table')
})
