import t from 'tap'
import { checkFirewall, portIn, readFirewalld, readIptables, readNftables, readUfw } from '../../src/cli/doctor/firewall.js'
import type { ProgramOutput, Runner } from '../../src/cli/doctor/firewall.js'

const LAN = { port: 8000, lan: '192.168.1.0/24' }
const LAN6 = { port: 8000, lan: 'fd00::/64' }

t.test('port lists: single ports, ranges, sets', async (t) => {
  for (const spec of ['8000', '80,443,8000', '8000:8100', '7000-8000', '{ 22, 8000 }', '{ 22, 7990-8010 }']) t.ok(portIn(spec, 8000), spec)
  for (const spec of ['80', '8001:8100', '{ 22, 443 }', '', 'http']) t.notOk(portIn(spec, 8000), spec)
})

const UFW_HEAD = `Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
`

t.test('ufw: first matching rule, then the default for incoming', async (t) => {
  t.same(readUfw('Status: inactive\n', LAN), { tool: 'ufw', state: 'inactive', detail: 'ufw is inactive' })
  const blocked = readUfw(`${UFW_HEAD}22/tcp                     ALLOW IN    Anywhere\n8000/udp                   ALLOW IN    Anywhere\nOpenSSH                    ALLOW IN    Anywhere\n22/tcp (v6)                ALLOW IN    Anywhere (v6)\n`, LAN)
  t.equal(blocked.state, 'blocks')
  t.equal(blocked.detail, 'ufw is active, denys incoming connections by default, and no rule allows port 8000')
  t.equal(blocked.fix, 'sudo ufw allow from 192.168.1.0/24 to any port 8000 proto tcp')
  for (const rule of ['8000/tcp                   ALLOW IN    Anywhere', '8000                       ALLOW IN    192.168.0.0/16', '7000:9000/tcp              LIMIT IN    192.168.1.0/24',
    'Anywhere                   ALLOW IN    192.168.1.0/24', '192.168.1.20 8000/tcp      ALLOW IN    Anywhere', '8000/tcp on wlan0          ALLOW IN    Anywhere']) {
    t.equal(readUfw(`${UFW_HEAD}${rule}\n`, LAN).state, 'allows', rule)
  }
  t.equal(readUfw(`${UFW_HEAD}8000/tcp                   ALLOW IN    10.0.0.0/8\n`, LAN).state, 'blocks', 'another network')
  t.equal(readUfw(`${UFW_HEAD}8000/tcp                   ALLOW OUT   Anywhere\n`, LAN).state, 'blocks', 'outgoing rules do not count')
  t.match(readUfw(`${UFW_HEAD}8000/tcp                   DENY IN     Anywhere\n8000/tcp                   ALLOW IN    Anywhere\n`, LAN), { state: 'blocks', detail: 'ufw rule "8000/tcp DENY IN Anywhere" blocks it' })
  t.equal(readUfw(`${UFW_HEAD}8000/tcp (v6)              ALLOW IN    Anywhere (v6)\n`, LAN6).state, 'allows', 'IPv6 rules for an IPv6 LAN')
  t.equal(readUfw(UFW_HEAD.replace('deny (incoming)', 'allow (incoming)'), LAN).state, 'allows')
  t.match(readUfw('Status: active\n', LAN), { state: 'blocks', detail: 'ufw is active, denys incoming connections by default, and no rule allows port 8000' }, 'no Default line: ufw denies')
})

const FIREWALLD = `public (active)
  target: default
  icmp-block-inversion: no
  interfaces: eth0
  sources: 
  services: dhcpv6-client ssh
  ports: 9090/tcp
  protocols: 
  forward: yes
  masquerade: no
  forward-ports: 
  source-ports: 
  icmp-blocks: 
  rich rules: 
`

t.test('firewalld: the zone\'s target, ports and rich rules', async (t) => {
  const blocked = readFirewalld(FIREWALLD, LAN)
  t.same(blocked, {
    tool: 'firewalld',
    state: 'blocks',
    detail: 'firewalld is running and zone public does not open port 8000/tcp',
    fix: 'sudo firewall-cmd --permanent --add-rich-rule=\'rule family="ipv4" source address="192.168.1.0/24" port port="8000" protocol="tcp" accept\' && sudo firewall-cmd --reload'
  })
  t.equal(readFirewalld(FIREWALLD.replace('9090/tcp', '9090/tcp 8000-8010/tcp'), LAN).state, 'allows')
  t.equal(readFirewalld(FIREWALLD.replace('target: default', 'target: ACCEPT'), LAN).state, 'allows')
  t.equal(readFirewalld(`${FIREWALLD}\trule family="ipv4" source address="192.168.0.0/16" port port="8000" protocol="tcp" accept\n`, LAN).state, 'allows')
  t.equal(readFirewalld(`${FIREWALLD}\trule family="ipv4" source address="192.168.1.0/24" accept\n`, LAN).state, 'allows', 'a whole network trusted')
  t.equal(readFirewalld(`${FIREWALLD}\trule family="ipv4" source address="10.0.0.0/8" port port="8000" protocol="tcp" accept\n`, LAN).state, 'blocks')
  t.equal(readFirewalld(`${FIREWALLD}\trule family="ipv4" port port="22" protocol="tcp" accept\n`, LAN).state, 'blocks')
  t.equal(readFirewalld(`${FIREWALLD}\trule family="ipv6" port port="8000" protocol="tcp" accept\n`, LAN).state, 'blocks', 'another family')
  t.equal(readFirewalld(`${FIREWALLD}\trule family="ipv4" port port="8000" protocol="tcp" reject\n`, LAN).state, 'blocks')
  t.equal(readFirewalld(`${FIREWALLD}\trule port port="8000" protocol="tcp" accept\n`, LAN6).state, 'allows', 'a rule without a family is for both')
  t.match(readFirewalld('', LAN6), { state: 'blocks', detail: 'firewalld is running and zone the default zone does not open port 8000/tcp', fix: /rule family="ipv6" source address="fd00::\/64"/ })
})

const NFT_DROP = `table inet filter {
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tct state established,related accept
\t\tiif "lo" accept
\t\tct state invalid drop
\t\tudp dport 8000 accept
\t\ttcp dport 22 accept
\t\tip6 saddr fd00::/64 tcp dport 8000 accept
\t\tcounter packets 0 bytes 0
\t}
\tchain forward {
\t\ttype filter hook forward priority filter; policy drop;
\t}
}
`

t.test('nftables: each input chain of the family, its rules in order, then its policy', async (t) => {
  const blocked = readNftables(NFT_DROP, LAN)
  t.same(blocked, {
    tool: 'nftables',
    state: 'blocks',
    detail: 'nftables chain inet filter input drops what no rule accepts, and no rule accepts port 8000',
    fix: 'sudo nft insert rule inet filter input ip saddr 192.168.1.0/24 tcp dport 8000 accept (and the same in /etc/nftables.conf, to keep it after a restart)'
  })
  t.equal(readNftables(NFT_DROP, LAN6).state, 'allows', 'the IPv6 rule lets an IPv6 LAN in')
  for (const rule of ['tcp dport 8000 accept', 'tcp dport { 22, 8000 } counter packets 3 bytes 180 accept', 'ip saddr 192.168.0.0/16 accept', 'th dport 7000-9000 accept', 'ct state new tcp dport 8000 accept']) {
    t.equal(readNftables(NFT_DROP.replace('\t\tcounter', `\t\t${rule}\n\t\tcounter`), LAN).state, 'allows', rule)
  }
  for (const rule of ['ip saddr 10.0.0.0/8 tcp dport 8000 accept', 'ip saddr 192.168.1.300 tcp dport 8000 accept', 'ip saddr @lan tcp dport 8000 accept', 'meta nfproto ipv6 tcp dport 8000 accept', 'tcp dport 8000 jump extra']) {
    t.equal(readNftables(NFT_DROP.replace('\t\tcounter', `\t\t${rule}\n\t\tcounter`), LAN).state, 'blocks', rule)
  }
  const rejectLast = 'table ip filter {\n\tchain INPUT {\n\t\ttype filter hook input priority filter; policy accept;\n\t\ttcp dport 22 accept\n\t\treject with icmp type port-unreachable\n\t}\n}\n'
  t.match(readNftables(rejectLast, LAN), { state: 'blocks', detail: 'nftables rule "reject with icmp type port-unreachable" in ip filter INPUT blocks it' })
  t.equal(readNftables(rejectLast, LAN6).state, 'inactive', 'an ip table does not filter IPv6')
  t.equal(readNftables('table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n', LAN).state, 'allows')
  t.equal(readNftables('', LAN).state, 'inactive')
  const only = (family: string) => `table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tmeta nfproto ${family} tcp dport 8000 accept\n\t}\n}\n`
  t.equal(readNftables(only('ipv6'), LAN6).state, 'allows', 'an IPv6-only rule for an IPv6 LAN')
  t.equal(readNftables(only('ipv4'), LAN6).state, 'blocks', 'an IPv4-only rule does not let an IPv6 LAN in')
  t.equal(readNftables('table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter;\n\t\ttcp dport 22 accept\n\t}\n}\n', LAN).state, 'allows', 'no policy written: accept')
  const second = 'table ip extra {\n\tchain in {\n\t\ttype filter hook input priority 10; policy accept;\n\t\ttcp dport 8000 drop\n\t}\n}\n'
  t.match(readNftables(NFT_DROP.replace('policy drop', 'policy accept') + second, LAN), { state: 'blocks', detail: 'nftables rule "tcp dport 8000 drop" in ip extra in blocks it' }, 'every input chain must let it through')
})

t.test('iptables: the INPUT rules in order, then the policy', async (t) => {
  const base = '-P INPUT DROP\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p udp -m udp --dport 8000 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n'
  t.same(readIptables(base, LAN), {
    tool: 'iptables',
    state: 'blocks',
    detail: 'iptables drops what no rule accepts (policy DROP), and no rule accepts port 8000',
    fix: 'sudo iptables -I INPUT -s 192.168.1.0/24 -p tcp --dport 8000 -j ACCEPT (and save it, e.g. netfilter-persistent save, to keep it after a restart)'
  })
  t.match(readIptables(base, LAN6).fix, /^sudo ip6tables -I INPUT -s fd00::\/64/)
  for (const rule of ['-A INPUT -p tcp -m tcp --dport 8000 -j ACCEPT', '-A INPUT -s 192.168.0.0/16 -j ACCEPT', '-A INPUT -p tcp -m multiport --dports 80,8000:8010 -j ACCEPT', '-A INPUT -m state --state NEW -p tcp --dport 8000 -j ACCEPT']) {
    t.match(readIptables(base + rule, LAN), { state: 'allows', detail: `iptables rule "${rule}" allows it` }, rule)
  }
  t.match(readIptables('-P INPUT ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\n', LAN), { state: 'blocks', detail: 'iptables rule "-A INPUT -j REJECT --reject-with icmp-host-prohibited" blocks it' })
  t.equal(readIptables('-P INPUT ACCEPT\n', LAN).state, 'inactive')
  t.equal(readIptables('', LAN).state, 'inactive', 'no policy line: accept')
  t.equal(readIptables('-P INPUT ACCEPT\n-A INPUT -s 10.0.0.0/8 -j ACCEPT\n-A INPUT -j ufw-before-input\n', LAN).state, 'allows')
})

/** A machine with these programs, each answering as given; the rest are not installed. */
function machine (answers: Record<string, ProgramOutput>): { run: Runner, asked: string[] } {
  const asked: string[] = []
  return {
    asked,
    run: async (file, args) => {
      const command = [file, ...args].join(' ')
      asked.push(command)
      return answers[command] ?? { code: null, output: `spawn ${file} ENOENT` }
    }
  }
}

t.test('asks ufw, then firewalld, then nftables, else iptables; an active manager\'s answer stands', async (t) => {
  const none = machine({})
  t.same(await checkFirewall(none.run, LAN, 'me'), [])
  t.same(none.asked, ['ufw status verbose', 'firewall-cmd --state', 'nft list ruleset', 'iptables -S INPUT'])
  t.same((await checkFirewall(machine({}).run, LAN6, 'me')).length, 0)

  const ufw = machine({ 'ufw status verbose': { code: 0, output: `${UFW_HEAD}22/tcp                     ALLOW IN    Anywhere\n` } })
  t.match(await checkFirewall(ufw.run, LAN, 'me'), [{ tool: 'ufw', state: 'blocks' }])
  t.same(ufw.asked, ['ufw status verbose'])

  const inactive = machine({ 'ufw status verbose': { code: 0, output: 'Status: inactive\n' }, 'firewall-cmd --state': { code: 252, output: 'not running' }, 'nft list ruleset': { code: 0, output: NFT_DROP } })
  t.match(await checkFirewall(inactive.run, LAN, 'me'), [{ tool: 'ufw', state: 'inactive' }, { tool: 'firewalld', state: 'inactive' }, { tool: 'nftables', state: 'blocks' }])

  const firewalld = machine({ 'firewall-cmd --state': { code: 0, output: 'running\n' }, 'firewall-cmd --list-all': { code: 0, output: FIREWALLD } })
  t.match(await checkFirewall(firewalld.run, LAN, 'me'), [{ tool: 'firewalld', state: 'blocks' }])
  t.notOk(firewalld.asked.includes('nft list ruleset'), 'firewalld manages nftables: its own answer stands')

  const iptables = machine({ 'iptables -S INPUT': { code: 0, output: '-P INPUT DROP\n' } })
  t.match(await checkFirewall(iptables.run, LAN, 'me'), [{ tool: 'iptables', state: 'blocks' }])
})

t.test('a firewall that cannot be read says so, and as whom', async (t) => {
  const denied = machine({
    'ufw status verbose': { code: 1, output: 'ERROR: You need to be root to run this script' },
    'firewall-cmd --state': { code: 0, output: 'running' },
    'firewall-cmd --list-all': { code: 126, output: 'Authorization failed.' }
  })
  t.same(await checkFirewall(denied.run, LAN, 'me (uid 1000)'), [
    { tool: 'ufw', state: 'unreadable', detail: 'cannot read the ufw rules as me (uid 1000) (ERROR: You need to be root to run this script)' },
    { tool: 'firewalld', state: 'unreadable', detail: 'cannot read the firewalld rules as me (uid 1000) (Authorization failed.)' }
  ])
  const nft = machine({ 'firewall-cmd --state': { code: 1, output: '' }, 'nft list ruleset': { code: 1, output: 'Operation not permitted (you must be root)' } })
  t.same(await checkFirewall(nft.run, LAN, 'me'), [
    { tool: 'firewalld', state: 'unreadable', detail: 'cannot read the firewalld rules as me' },
    { tool: 'nftables', state: 'unreadable', detail: 'cannot read the nftables rules as me (Operation not permitted (you must be root))' }
  ])
  t.same(await checkFirewall(machine({ 'iptables -S INPUT': { code: 4, output: 'iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)' } }).run, LAN, 'me'), [
    { tool: 'iptables', state: 'unreadable', detail: 'cannot read the iptables rules as me (iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root))' }
  ])
})
