import t from 'tap'
import { formatAddress, parseAddress } from '../../src/access/ip-address.js'
import { compileIpRules, networkOf } from '../../src/access/ip-rules.js'

const rules = (...entries: string[]) => compileIpRules(entries.map((entry, i) => ({ entry, source: `whitelist[${i}]` })), 'whitelist')

t.test('matches every entry syntax, both families', async (t) => {
  // [entry, admitted addresses, refused addresses]
  const table: Array<[string, string[], string[]]> = [
    ['192.168.1.20', ['192.168.1.20', '::ffff:192.168.1.20', '::ffff:c0a8:114'], ['192.168.1.21', '::1']],
    ['127.0.0.01', ['127.0.0.1'], ['127.0.0.2']],
    ['::1', ['::1', '0:0:0:0:0:0:0:1'], ['127.0.0.1', '::2']],
    ['192.168.0.0/16', ['192.168.0.1', '192.168.255.255'], ['192.169.0.0', '10.0.0.1']],
    ['192.168.1.77/24', ['192.168.1.0', '192.168.1.255'], ['192.168.2.0']],
    ['0.0.0.0/0', ['1.2.3.4', '255.255.255.255'], ['::1']],
    ['10.0.0.0/255.255.0.0', ['10.0.200.1'], ['10.1.0.0']],
    ['10.0.0.0/255.255.255.255', ['10.0.0.0'], ['10.0.0.1']],
    ['fd00::/8', ['fd12:3456::1', 'fdff:ffff::'], ['fe80::1', '10.0.0.1']],
    ['::/0', ['::1', '2001:db8::1'], ['1.2.3.4']],
    ['192.168.0.*', ['192.168.0.0', '192.168.0.255'], ['192.168.1.0']],
    ['10.*.*.*', ['10.1.2.3'], ['11.0.0.0']],
    ['*.*.*.*', ['0.0.0.0', '8.8.8.8'], ['::1']],
    ['10.*.0.*', ['10.5.0.9', '10.255.0.255'], ['10.5.1.9']],
    ['2001:db8::*', ['2001:db8::ffff'], ['2001:db8::1:0']],
    ['fe80:*:*:*:*:*:*:*', ['fe80::1', 'fe80:ffff::'], ['fe81::']],
    ['10.0.0.1-10.0.0.50', ['10.0.0.1', '10.0.0.50', '10.0.0.25'], ['10.0.0.0', '10.0.0.51']],
    ['fd00::1 - fd00::ff', ['fd00::80'], ['fd00::100']],
    ['::ffff:192.168.0.5', ['192.168.0.5', '::ffff:192.168.0.5'], ['192.168.0.6']],
    ['::ffff:192.168.0.0/120', ['192.168.0.200'], ['192.168.1.0']],
    ['::ffff:10.0.0.1-::ffff:10.0.0.9', ['10.0.0.5'], ['10.0.0.10']],
    ['::ffff:a00:*', ['10.0.0.5', '10.0.255.255'], ['10.1.0.0']],
    ['*:*:*:*:*:*:*:*', ['::1', 'ffff::'], ['127.0.0.1']],
    ['  172.16.0.0/12  ', ['172.31.255.255'], ['172.32.0.0']]
  ]
  for (const [entry, admitted, refused] of table) {
    const matcher = rules(entry)
    for (const a of admitted) t.same(matcher.match(a), { entry: entry.trim(), source: 'whitelist[0]' }, `${entry} admits ${a}`)
    for (const r of refused) t.equal(matcher.match(r), undefined, `${entry} refuses ${r}`)
  }
})

t.test('names the first entry in list order that admits an address', async (t) => {
  const matcher = rules('10.0.0.0/8', '10.1.0.0/16', '10.1.2.3', '192.168.0.0/24', '192.168.0.128/25')
  t.equal(matcher.match('10.1.2.3')?.entry, '10.0.0.0/8')
  t.equal(matcher.match('192.168.0.200')?.entry, '192.168.0.0/24')
  const reversed = rules('10.1.2.3', '10.1.0.0/16', '10.0.0.0/8')
  t.equal(reversed.match('10.1.2.3')?.entry, '10.1.2.3')
  t.equal(reversed.match('10.1.9.9')?.entry, '10.1.0.0/16')
  t.equal(reversed.match('10.9.9.9')?.entry, '10.0.0.0/8')
  t.equal(reversed.match('10.1.2.4')?.source, 'whitelist[1]')
})

t.test('an empty list admits nobody; garbage addresses match nothing', async (t) => {
  const empty = rules()
  t.equal(empty.match('127.0.0.1'), undefined)
  t.equal(empty.admitsAll(4), false)
  t.equal(rules('0.0.0.0/0').match('not an ip'), undefined)
  t.equal(rules('0.0.0.0/0').match('1.2.3.4:80'), undefined)
  t.equal(rules('::/0').match('fe80::1%eth0'), undefined)
})

t.test('knows when a list admits a whole family', async (t) => {
  t.ok(rules('0.0.0.0/0').admitsAll(4))
  t.notOk(rules('0.0.0.0/0').admitsAll(6))
  t.ok(rules('*.*.*.*').admitsAll(4))
  t.ok(rules('0.0.0.0/1', '128.0.0.0/1').admitsAll(4), 'halves that cover everything')
  t.ok(rules('0.0.0.0-255.255.255.255').admitsAll(4))
  t.notOk(rules('0.0.0.0/1', '128.0.0.0/2').admitsAll(4))
  t.ok(rules('::/0').admitsAll(6))
  t.ok(rules('::/1', '8000::/1').admitsAll(6))
  t.notOk(rules('::1', '127.0.0.1').admitsAll(4))
})

t.test('tells how much of a network a list admits', async (t) => {
  const matcher = rules('192.168.1.0/25', '10.0.0.0/8', '192.168.1.128/26', 'fd00::/8')
  t.equal(matcher.admitsNetwork('10.1.0.0/16'), 'all')
  t.equal(matcher.admitsNetwork('192.168.1.0/24'), 'some')
  t.equal(matcher.admitsNetwork('192.168.1.0/25'), 'all')
  t.equal(matcher.admitsNetwork('172.16.0.0/12'), 'none')
  t.equal(matcher.admitsNetwork('fd00::20/64'), 'all')
  t.equal(matcher.admitsNetwork('2001:db8::/32'), 'none')
  t.equal(rules('192.168.1.100').admitsNetwork('192.168.1.0/24'), 'some')
  t.equal(rules('192.168.1.0/24', '192.168.2.0/24').admitsNetwork('192.168.0.0/16'), 'some')
  t.equal(rules().admitsNetwork('192.168.0.0/16'), 'none')
})

t.test('refuses every invalid entry at once, with its source and a hint', async (t) => {
  const table: Array<[string, RegExp]> = [
    ['*', /a bare \* is not an entry; 0\.0\.0\.0\/0 and ::\/0 admit everyone/],
    ['0.0.0.0', /0\.0\.0\.0 matches no real client; to admit every IPv4 address write 0\.0\.0\.0\/0/],
    ['::', /:: matches no real client/],
    ['localhost', /host names are not supported/],
    ['my-phone.lan', /host names are not supported/],
    ['fe80::1%eth0', /zone ids/],
    ['[::1]', /without brackets: ::1/],
    ['256.1.1.1', /not an IP address/],
    ['10.0.0.0/33', /"\/33" is not a prefix length from 0 to 32/],
    ['10.0.0.0/255.0.255.0', /not a prefix length .* or a netmask/],
    ['10.0.0.0/abc', /"\/abc" is not a prefix length from 0 to 32 or a netmask/],
    ['fd00::/129', /"\/129" is not a prefix length from 0 to 128/],
    ['fd00::/x', /not a prefix length from 0 to 128/],
    ['abc/8', /"abc" is not an IPv4 or IPv6 address/],
    ['10.0.0.9-10.0.0.1', /the range starts after it ends; write 10\.0\.0\.1-10\.0\.0\.9/],
    ['10.0.0.1-::1', /both ends of a range must be IPv4, or both IPv6/],
    ['10.0.0.1-', /a range needs two addresses/],
    ['10.0.*', /wildcards replace whole octets/],
    ['10.0.1*.0', /wildcards replace whole octets/],
    ['*.*.*.1', /too many wildcards before the last fixed octet/],
    ['2001:*::1', /IPv6 wildcards must come last/],
    ['2001:db8::**', /not an IPv6 address pattern/],
    ['', /not an IP address/]
  ]
  for (const [entry, hint] of table) {
    t.throws(() => rules('127.0.0.1', entry), { code: 'TVS_ERR_ACCESS_INVALID_ENTRY', message: hint }, JSON.stringify(entry))
    t.throws(() => rules('127.0.0.1', entry), { message: /whitelist\[1\]: "/ }, `${JSON.stringify(entry)} names its source`)
  }
  const error = t.throws(() => rules('localhost', '10.0.0.1', '*')) as unknown as Error
  t.match(error.message, /^Invalid whitelist entries; fix or remove them:\n {2}- whitelist\[0\]: "localhost": .*\n {2}- whitelist\[2\]: "\*": /)
})

t.test('parses and formats addresses, unmapping IPv4-mapped IPv6', async (t) => {
  t.same(parseAddress('::ffff:c0a8:5'), { family: 4, value: 0xc0a80005 })
  t.equal(formatAddress(parseAddress('::ffff:192.168.0.5')!), '192.168.0.5')
  t.equal(formatAddress(parseAddress('2001:0db8:0000:0000:0000:0000:0000:0001')!), '2001:db8::1')
  t.equal(parseAddress('2001:db8::1%eth0'), undefined)
  t.equal(parseAddress('1.2.3'), undefined)
  for (const bad of ['1:2:3:4:5:6:7:', ':1::', '1:::2', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '::1.2.3', 'g::', ':', '1.2.3.4.5', '256.0.0.1', '1..2.3']) {
    t.equal(parseAddress(bad), undefined, `${bad} is not an address`)
  }
  t.same(parseAddress('1:2:3:4:5:6:1.2.3.4'), { family: 6, value: '000100020003000400050006' + '01020304' })
  t.same(parseAddress('::'), { family: 6, value: '0'.repeat(32) })
  t.same(parseAddress('FD00::AbC'), { family: 6, value: 'fd00' + '0'.repeat(24) + '0abc' })
})

t.test('writes the network of an interface canonically', async (t) => {
  t.equal(networkOf('192.168.1.20/24'), '192.168.1.0/24')
  t.equal(networkOf('10.1.2.3/8'), '10.0.0.0/8')
  t.equal(networkOf('fd00::20/64'), 'fd00::/64')
  t.equal(networkOf('::1/128'), '::1/128')
  t.equal(networkOf('not a cidr'), undefined)
})

t.test('a 100,000-entry list compiles and still answers exactly', async (t) => {
  const entries: string[] = []
  for (let i = 0; i < 50_000; i++) entries.push(`10.${(i >> 8) & 255}.${i & 255}.0/24`)
  for (let i = 0; i < 50_000; i++) entries.push(`2001:db8:${i.toString(16)}::/48`)
  const matcher = rules(...entries)
  t.equal(matcher.rules.length, 100_000)
  t.equal(matcher.match('10.3.7.200')?.entry, '10.3.7.0/24')
  t.equal(matcher.match('2001:db8:ff::1')?.entry, '2001:db8:ff::/48')
  t.equal(matcher.match('11.0.0.1'), undefined)
  t.equal(matcher.match('2001:db9::1'), undefined)
})

t.test('agrees with a plain first-match scan on random lists (property)', async (t) => {
  const fc = await import('fast-check')
  const v4 = (n: number) => `10.0.${n >> 8}.${n & 255}`
  const entry = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 1023 }), fc.integer({ min: 0, max: 63 })).map(([a, len]) => `${v4(a)}-${v4(Math.min(1023, a + len))}`),
    fc.integer({ min: 0, max: 1023 }).map(v4),
    fc.tuple(fc.integer({ min: 0, max: 1023 }), fc.integer({ min: 22, max: 32 })).map(([a, bits]) => `${v4(a)}/${bits}`)
  )
  const toNumber = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0)
  const span = (e: string): [number, number] => {
    if (e.includes('-')) { const [a, b] = e.split('-'); return [toNumber(a!), toNumber(b!)] }
    if (e.includes('/')) { const [a, bits] = e.split('/'); const size = 2 ** (32 - Number(bits)); const lo = toNumber(a!) - (toNumber(a!) % size); return [lo, lo + size - 1] }
    return [toNumber(e), toNumber(e)]
  }
  fc.assert(fc.property(fc.array(entry, { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 1100 }), { minLength: 1, maxLength: 40 }), (entries, queries) => {
    const matcher = rules(...entries)
    for (const q of queries) {
      const ip = v4(Math.min(q, 1023))
      const n = toNumber(ip)
      const expected = entries.findIndex((e) => { const [lo, hi] = span(e); return n >= lo && n <= hi })
      const got = matcher.match(ip)
      if ((expected === -1 ? undefined : `whitelist[${expected}]`) !== got?.source) return false
    }
    return true
  }), { numRuns: 300 })
  t.pass('the compiled segments answer like a linear scan')
})
