/**
 * Whether a host firewall would stop a device on the LAN from reaching the port (issue 15), read
 * from the firewall's own listing: ufw, firewalld, nftables, or iptables, whichever is present and
 * readable, and with the command that opens the port for the LAN only. The listings are read, not
 * simulated: a rule this reading does not understand (a jump to another chain, a named set) is
 * passed over, and the answer is the first rule it does understand, as the firewall would take it.
 */
import { compileIpRules } from '../../access/ip-rules.js'

export type FirewallTool = 'ufw' | 'firewalld' | 'nftables' | 'iptables'

export interface FirewallFinding {
  readonly tool: FirewallTool
  /** inactive: present but filtering nothing coming in; unreadable: not allowed to look (not root). */
  readonly state: 'inactive' | 'allows' | 'blocks' | 'unreadable'
  /** What decided, in words. */
  readonly detail: string
  /** The command that opens the port for the LAN, when it is blocked. */
  readonly fix?: string
}

export interface ProgramOutput {
  /** The exit code; null when the program is not installed (or could not run). */
  code: number | null
  output: string
}

export type Runner = (file: string, args: readonly string[]) => Promise<ProgramOutput>

/** What is asked: TCP to `port` from a device on `lan` (an IPv4 or IPv6 network). */
export interface Probe {
  port: number
  lan: string
}

type Verdict = 'allows' | 'blocks' | undefined

/** Whether a port list (`8000`, `80,443`, `8000:8100`, `8000-8100`, `{ 22, 8000 }`) holds the port. */
export function portIn (spec: string, port: number): boolean {
  return spec.replace(/[{}]/g, '').split(/[\s,]+/).filter((part) => part !== '').some((part) => {
    const [lo, hi = lo] = part.split(/[-:]/).map(Number)
    return lo !== undefined && hi !== undefined && port >= lo && port <= hi
  })
}

/** Whether source addresses (`192.168.0.0/16`, a list, `{ a, b }`) cover the whole LAN network. */
function covers (sources: string, lan: string): boolean {
  const entries = sources.replace(/[{}"]/g, '').split(/[\s,]+/).filter((e) => e !== '')
  try {
    return compileIpRules(entries.map((entry) => ({ entry, source: entry })), 'firewall').admitsNetwork(lan) === 'all'
  } catch {
    return false
  }
}

const isV6 = (lan: string): boolean => lan.includes(':')

// -- ufw ----------------------------------------------------------------------------------------

const UFW_RULE = /^(.+?)\s{2,}(ALLOW|DENY|REJECT|LIMIT)(?: (IN|OUT|FWD))?\s{2,}(.+?)\s*$/

/** `ufw status verbose`: its rules in order, first match wins, then the default for incoming. */
export function readUfw (text: string, probe: Probe): FirewallFinding {
  const fix = `sudo ufw allow from ${probe.lan} to any port ${probe.port} proto tcp`
  if (!/^Status: active/m.test(text)) return { tool: 'ufw', state: 'inactive', detail: 'ufw is inactive' }
  for (const line of text.split('\n')) {
    const rule = UFW_RULE.exec(line.trim())
    if (rule === null || (rule[3] !== undefined && rule[3] !== 'IN')) continue
    const [, rawTo = '', action = '', , rawFrom = ''] = rule
    const v6 = /\(v6\)/.test(rawTo) || /\(v6\)/.test(rawFrom)
    if (v6 !== isV6(probe.lan)) continue
    const to = rawTo.replace(/\(v6\)/, '').replace(/ on \S+/, '').trim()
    const from = rawFrom.replace(/\(v6\)/, '').replace(/ on \S+/, '').trim()
    const portSpec = to.split(/\s+/).find((token) => /^[\d,:]+(\/(tcp|udp))?$/.test(token))
    if (portSpec === undefined && !/^Anywhere$|^[\d.:a-f/]+$/i.test(to)) continue // an application profile
    if (portSpec !== undefined && (portSpec.endsWith('/udp') || !portIn(portSpec.replace(/\/tcp$/, ''), probe.port))) continue
    if (from !== 'Anywhere' && !covers(from.split(/\s+/)[0] as string, probe.lan)) continue
    return action === 'ALLOW' || action === 'LIMIT'
      ? { tool: 'ufw', state: 'allows', detail: `ufw rule "${line.trim().replace(/\s{2,}/g, ' ')}" allows it` }
      : { tool: 'ufw', state: 'blocks', detail: `ufw rule "${line.trim().replace(/\s{2,}/g, ' ')}" blocks it`, fix }
  }
  const incoming = /^Default: (\w+) \(incoming\)/m.exec(text)?.[1] ?? 'deny'
  return incoming === 'allow'
    ? { tool: 'ufw', state: 'allows', detail: 'ufw allows incoming connections by default' }
    : { tool: 'ufw', state: 'blocks', detail: `ufw is active, ${incoming}s incoming connections by default, and no rule allows port ${probe.port}`, fix }
}

// -- firewalld ----------------------------------------------------------------------------------

/** `firewall-cmd --list-all` (the default zone): its target, open ports and rich rules. */
export function readFirewalld (text: string, probe: Probe): FirewallFinding {
  const field = (name: string): string => new RegExp(`^\\s*${name}:(.*)$`, 'm').exec(text)?.[1]?.trim() ?? ''
  const zone = /^(\S+)/.exec(text.trim())?.[1] ?? 'the default zone'
  if (field('target').toUpperCase() === 'ACCEPT') return { tool: 'firewalld', state: 'allows', detail: `firewalld zone ${zone} accepts everything` }
  const open = field('ports').split(/\s+/).find((p) => p.endsWith('/tcp') && portIn(p.slice(0, -4), probe.port))
  if (open !== undefined) return { tool: 'firewalld', state: 'allows', detail: `firewalld zone ${zone} opens ${open}` }
  const family = isV6(probe.lan) ? 'ipv6' : 'ipv4'
  const rich = text.slice(text.indexOf('rich rules:')).split('\n').slice(1).map((l) => l.trim()).filter((l) => l.startsWith('rule'))
  for (const rule of rich) {
    if (!/\baccept\b/.test(rule) || (/family="(ipv4|ipv6)"/.exec(rule)?.[1] ?? family) !== family) continue
    const port = /port port="([^"]+)" protocol="tcp"/.exec(rule)
    if (/ port port=/.test(rule) && (port === null || !portIn(port[1] as string, probe.port))) continue
    const source = /source address="([^"]+)"/.exec(rule)
    if (source !== null && !covers(source[1] as string, probe.lan)) continue
    return { tool: 'firewalld', state: 'allows', detail: `firewalld rich rule ${rule} allows it` }
  }
  return {
    tool: 'firewalld',
    state: 'blocks',
    detail: `firewalld is running and zone ${zone} does not open port ${probe.port}/tcp`,
    fix: `sudo firewall-cmd --permanent --add-rich-rule='rule family="${family}" source address="${probe.lan}" port port="${probe.port}" protocol="tcp" accept' && sudo firewall-cmd --reload`
  }
}

// -- nftables and iptables: one rule at a time --------------------------------------------------

/** One nftables rule (`ip saddr 192.168.1.0/24 tcp dport 8000 accept`) for the probe. */
function nftRule (text: string, probe: Probe): Verdict {
  // `reject with icmp type ...` says how to refuse, not what the rule matches.
  const rule = text.replace(/\breject with .*$/, 'reject')
  const v6 = isV6(probe.lan)
  if (/\b(iif|iifname) "?lo"?\b/.test(rule) || /\b(udp|icmp|icmpv6|sport)\b/.test(rule)) return undefined
  if (/\bct state\b/.test(rule) && !/\bct state [^ ]*\bnew\b/.test(rule)) return undefined
  if (/\bmeta nfproto (ipv4|ipv6)\b/.test(rule) && !rule.includes(v6 ? 'ipv6' : 'ipv4')) return undefined
  if (/@\w/.test(rule)) return undefined // a named set: not read here
  const dport = /\b(?:tcp|th) dport (\{[^}]*\}|\S+)/.exec(rule)
  if (dport !== null && !portIn(dport[1] as string, probe.port)) return undefined
  const saddr = /\b(ip6?) saddr (\{[^}]*\}|\S+)/.exec(rule)
  if (saddr !== null && ((saddr[1] === 'ip6') !== v6 || !covers(saddr[2] as string, probe.lan))) return undefined
  if (/\baccept\b/.test(rule)) return 'allows'
  if (/\b(drop|reject)\b/.test(rule)) return 'blocks'
  return undefined // counter, log, jump, goto: not a decision read here
}

interface NftChain { family: string, table: string, chain: string, policy: string, rules: string[] }

/** The base chains hooked on input, with their rules, from `nft list ruleset`. */
function nftInputChains (text: string): NftChain[] {
  const chains: NftChain[] = []
  let table: { family: string, name: string } | undefined
  let chain: NftChain | undefined
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    const tableLine = /^table (\w+) (\S+) \{$/.exec(line)
    const chainLine = /^chain (\S+) \{$/.exec(line)
    if (tableLine !== null) table = { family: tableLine[1] as string, name: tableLine[2] as string }
    else if (chainLine !== null && table !== undefined) chain = { family: table.family, table: table.name, chain: chainLine[1] as string, policy: '', rules: [] }
    else if (line === '}' && chain !== undefined) chain = undefined
    else if (chain !== undefined && /^type filter hook input\b/.test(line)) {
      chain.policy = /policy (\w+);/.exec(line)?.[1] ?? 'accept'
      chains.push(chain)
    } else if (chain !== undefined && line !== '') chain.rules.push(line)
  }
  return chains
}

/** `nft list ruleset`: every input chain of the LAN's family must let the connection through. */
export function readNftables (text: string, probe: Probe): FirewallFinding {
  const family = isV6(probe.lan) ? 'ip6' : 'ip'
  const chains = nftInputChains(text).filter((c) => c.family === 'inet' || c.family === family)
  if (chains.length === 0) return { tool: 'nftables', state: 'inactive', detail: 'nftables has no input filter' }
  let accepted: string | undefined
  for (const c of chains) {
    const rule = c.rules.find((r) => nftRule(r, probe) !== undefined)
    const verdict = rule === undefined ? (c.policy === 'drop' ? 'blocks' : 'allows') : nftRule(rule, probe)
    if (verdict === 'allows' && rule !== undefined) accepted ??= `nftables rule "${rule}" in ${c.family} ${c.table} ${c.chain} allows it`
    if (verdict === 'blocks') {
      return {
        tool: 'nftables',
        state: 'blocks',
        detail: rule === undefined
          ? `nftables chain ${c.family} ${c.table} ${c.chain} drops what no rule accepts, and no rule accepts port ${probe.port}`
          : `nftables rule "${rule}" in ${c.family} ${c.table} ${c.chain} blocks it`,
        fix: `sudo nft insert rule ${c.family} ${c.table} ${c.chain} ${family} saddr ${probe.lan} tcp dport ${probe.port} accept (and the same in /etc/nftables.conf, to keep it after a restart)`
      }
    }
  }
  return { tool: 'nftables', state: 'allows', detail: accepted ?? `nftables lets TCP port ${probe.port} in from ${probe.lan}` }
}

/** One `iptables -S` rule (`-A INPUT -s 192.168.1.0/24 -p tcp --dport 8000 -j ACCEPT`). */
function iptablesRule (rule: string, probe: Probe): Verdict {
  if (/ -i lo\b/.test(rule) || /-p (udp|icmp)\b/.test(rule) || /--sports? /.test(rule) || /! -s /.test(rule)) return undefined
  if (/--(ct)?state /.test(rule) && !/--(ct)?state \S*NEW/.test(rule)) return undefined
  const dport = /--dports? (\S+)/.exec(rule)
  if (dport !== null && !portIn(dport[1] as string, probe.port)) return undefined
  const source = / -s (\S+)/.exec(rule)
  if (source !== null && !covers(source[1] as string, probe.lan)) return undefined
  const target = / -j (\S+)/.exec(rule)?.[1]
  return target === 'ACCEPT' ? 'allows' : target === 'DROP' || target === 'REJECT' ? 'blocks' : undefined
}

/** `iptables -S INPUT`: the rules in order, then the chain's policy. */
export function readIptables (text: string, probe: Probe): FirewallFinding {
  const lines = text.split('\n').map((l) => l.trim())
  const policy = lines.find((l) => l.startsWith('-P INPUT '))?.split(' ')[2] ?? 'ACCEPT'
  const rules = lines.filter((l) => l.startsWith('-A INPUT '))
  const rule = rules.find((r) => iptablesRule(r, probe) !== undefined)
  const verdict = rule === undefined ? (policy === 'ACCEPT' ? 'allows' : 'blocks') : iptablesRule(rule, probe)
  if (rule === undefined && verdict === 'allows') return { tool: 'iptables', state: rules.length === 0 ? 'inactive' : 'allows', detail: rules.length === 0 ? 'iptables has no input rules' : `iptables lets TCP port ${probe.port} in` }
  if (verdict === 'allows') return { tool: 'iptables', state: 'allows', detail: `iptables rule "${rule as string}" allows it` }
  return {
    tool: 'iptables',
    state: 'blocks',
    detail: rule === undefined ? `iptables drops what no rule accepts (policy ${policy}), and no rule accepts port ${probe.port}` : `iptables rule "${rule}" blocks it`,
    fix: `sudo ${isV6(probe.lan) ? 'ip6tables' : 'iptables'} -I INPUT -s ${probe.lan} -p tcp --dport ${probe.port} -j ACCEPT (and save it, e.g. netfilter-persistent save, to keep it after a restart)`
  }
}

function unreadable (tool: FirewallTool, output: string, user: string): FirewallFinding {
  const said = (output.split('\n')[0] as string).trim()
  return { tool, state: 'unreadable', detail: `cannot read the ${tool} rules as ${user}${said === '' ? '' : ` (${said})`}` }
}

/**
 * Asks the firewalls present, most specific first: ufw and firewalld manage the kernel's rules and
 * say what they mean, so when one of them is active its answer stands; otherwise nftables (or
 * iptables, where nft is missing) is read directly.
 * @param user who runs the check, for "cannot read as ..."
 */
export async function checkFirewall (run: Runner, probe: Probe, user: string): Promise<FirewallFinding[]> {
  const findings: FirewallFinding[] = []
  const ufw = await run('ufw', ['status', 'verbose'])
  if (ufw.code !== null) {
    if (ufw.code !== 0) findings.push(unreadable('ufw', ufw.output, user))
    else {
      const finding = readUfw(ufw.output, probe)
      findings.push(finding)
      if (finding.state !== 'inactive') return findings
    }
  }
  const firewalld = await run('firewall-cmd', ['--state'])
  if (firewalld.code !== null) {
    if (firewalld.output.trim() === 'running') {
      const zone = await run('firewall-cmd', ['--list-all'])
      findings.push(zone.code === 0 ? readFirewalld(zone.output, probe) : unreadable('firewalld', zone.output, user))
      return findings
    }
    findings.push(/not running/.test(firewalld.output)
      ? { tool: 'firewalld', state: 'inactive', detail: 'firewalld is not running' }
      : unreadable('firewalld', firewalld.output, user))
  }
  const nft = await run('nft', ['list', 'ruleset'])
  if (nft.code !== null) {
    findings.push(nft.code === 0 ? readNftables(nft.output, probe) : unreadable('nftables', nft.output, user))
    return findings
  }
  const iptables = await run(isV6(probe.lan) ? 'ip6tables' : 'iptables', ['-S', 'INPUT'])
  if (iptables.code !== null) findings.push(iptables.code === 0 ? readIptables(iptables.output, probe) : unreadable('iptables', iptables.output, user))
  return findings
}
