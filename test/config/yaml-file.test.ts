import t from 'tap'
import { parseYamlFile } from '../../src/config/yaml-file.js'

t.test('records the line of every key and list item', async (t) => {
  const doc = parseYamlFile('# comment\nlisten: true\nprotocol:\n  ipv4: auto\nwhitelist:\n  - 127.0.0.1\n  - "::1"\n', '/x/config.yaml')
  t.same(doc.value, { listen: true, protocol: { ipv4: 'auto' }, whitelist: ['127.0.0.1', '::1'] })
  t.equal(doc.lines.get('listen'), 2)
  t.equal(doc.lines.get('protocol'), 3)
  t.equal(doc.lines.get('protocol.ipv4'), 4)
  t.equal(doc.lines.get('whitelist'), 5)
  t.equal(doc.lines.get('whitelist[0]'), 6)
  t.equal(doc.lines.get('whitelist[1]'), 7)
})

t.test('keeps the text of plain scalars as typed', async (t) => {
  const doc = parseYamlFile('basicAuthUser:\n  password: 0123\n  username: "007"\nflow: {a: 1}\n', 'c.yaml')
  t.equal(doc.plain.get('basicAuthUser.password'), '0123')
  t.notOk(doc.plain.has('basicAuthUser.username'), 'quoted scalars are strings already')
  t.equal(doc.lines.get('flow.a'), 4)
})

t.test('reads an empty file, or one holding only comments, as no keys', async (t) => {
  t.same(parseYamlFile('', 'c.yaml').value, {})
  t.same(parseYamlFile('# nothing here\n', 'c.yaml').value, {})
  t.same(parseYamlFile('~\n', 'c.yaml').value, {})
})

t.test('names file:line:column for a syntax error', async (t) => {
  const cases = [
    { source: 'listen: true\nport: [1, 2\nwhitelist: []\n', line: 3 },
    { source: 'a: b: c\n', line: 1 },
    { source: 'listen: true\nlisten: false\n', line: 2 },
    { source: 'port: 1\n\tlisten: true\n', line: 2 }
  ]
  for (const c of cases) {
    t.throws(() => parseYamlFile(c.source, '/srv/config.yaml'), {
      code: 'TVS_ERR_CONFIG_YAML',
      message: new RegExp(`^/srv/config\\.yaml:${c.line}:\\d+: YAML syntax error: `)
    }, JSON.stringify(c.source))
  }
})

t.test('refuses several YAML documents in one file', async (t) => {
  t.throws(() => parseYamlFile('a: 1\n---\nb: 2\n', 'c.yaml'), { code: 'TVS_ERR_CONFIG_YAML', message: /more than one YAML document/ })
})

t.test('a complex mapping key is a YAML error, not a crash', async (t) => {
  t.throws(() => parseYamlFile('? [a, b]\n: 1\nafter: 2\n', 'c.yaml'), { code: 'TVS_ERR_CONFIG_YAML', message: /^c\.yaml:1:1: .*complex keys/ })
})

t.test('follows aliases without losing track of positions', async (t) => {
  const doc = parseYamlFile('base: &b 1\ncopy: *b\nafter: 2\n', 'c.yaml')
  t.same(doc.value, { base: 1, copy: 1, after: 2 })
  t.equal(doc.lines.get('after'), 3)
})

t.test('the usual mistakes are named on their own line, with its text, not where the parser gave up', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['no space after a colon',
      'port: 8000\nwhitelistMode: true\nlisten:true\n\n',
      'c.yaml:3:8: YAML syntax error: "listen:true" needs a space after the colon (listen: true).\n  3 | listen:true'],
    ['no space after a colon, mid-file',
      'port: 8000\nlisten:true\nwhitelist:\n  - 127.0.0.1\n',
      'c.yaml:2:8: YAML syntax error: "listen:true" needs a space after the colon (listen: true).\n  2 | listen:true'],
    ['no space after a colon, nested',
      'ssl:\n  enabled:true\n  keyPath: x\nport: 1\n',
      'c.yaml:2:11: YAML syntax error: "enabled:true" needs a space after the colon (enabled: true).\n  2 |   enabled:true'],
    ['a file of one key:value line, which YAML reads as text',
      '# my settings\nlisten:true\n',
      'c.yaml:2:8: YAML syntax error: "listen:true" needs a space after the colon (listen: true).\n  2 | listen:true'],
    ['an unclosed single quote',
      'port: 8000\nbasicAuthUser:\n  password: \'abc\n  username: me\nlisten: true\n',
      'c.yaml:3:13: YAML syntax error: the quote \' opened here is not closed on this line.\n  3 |   password: \'abc'],
    ['an unclosed double quote in a list',
      'whitelist:\n  - "127.0.0.1\n  - ::1\n',
      'c.yaml:2:5: YAML syntax error: the quote " opened here is not closed on this line.\n  2 |   - "127.0.0.1'],
    ['an unclosed quote after an escaped one',
      'basicAuthUser:\n  password: \'it\'\'s\n  username: me\n',
      'c.yaml:2:13: YAML syntax error: the quote \' opened here is not closed on this line.\n  2 |   password: \'it\'\'s'],
    ['an unclosed double quote after an escaped one',
      'basicAuthUser:\n  password: "a\\"b\n  username: me\n',
      'c.yaml:2:13: YAML syntax error: the quote " opened here is not closed on this line.\n  2 |   password: "a\\"b'],
    ['a mistake below quotes that do close, escapes and all',
      'basicAuthUser:\n  password: \'it\'\'s\'\n  username: "a\\"b"\nlisten:true\n',
      'c.yaml:4:8: YAML syntax error: "listen:true" needs a space after the colon (listen: true).\n  4 | listen:true'],
    ['a tab in the indentation',
      'port: 8000\nssl:\n\tenabled: true\n',
      'c.yaml:3:1: YAML syntax error: a tab in the indentation; YAML indents with spaces only.\n  3 | \tenabled: true'],
    ['a list item less indented than the one above',
      'whitelist:\n  - 127.0.0.1\n - 192.168.0.1\nport: 1\n',
      'c.yaml:3:2: YAML syntax error: this list item is indented by 1, the item on line 2 by 2; give every item of a list the same indent.\n  3 |  - 192.168.0.1'],
    ['a list item at the left edge under an indented list',
      'port: 1\nwhitelist:\n  - 127.0.0.1\n\n  # the LAN\n- 10.0.0.1\nlisten: true\n',
      'c.yaml:6:1: YAML syntax error: this list item is indented by 0, the item on line 3 by 2; give every item of a list the same indent.\n  6 | - 10.0.0.1'],
    ['a list item more indented than the one above, which YAML would silently join to it',
      'whitelist:\n  - 127.0.0.1\n    - 192.168.0.1\nport: 1\n',
      'c.yaml:3:5: YAML syntax error: this list item is indented by 4, the item on line 2 by 2, so YAML reads it as part of that item; give every item of a list the same indent.\n  3 |     - 192.168.0.1']
  ]
  for (const [name, source, message] of cases) {
    t.throws(() => parseYamlFile(source, 'c.yaml'), { code: 'TVS_ERR_CONFIG_YAML', message }, name)
  }
})

t.test('what the usual mistakes are not: valid lines are left alone', async (t) => {
  const valid = [
    'app:\n  upstream: http://127.0.0.1:8001\n',
    'whitelist:\n  - fe80:1::\n  - ::1\n  - 2001:db8::1\n',
    'basicAuthUser:\n  password: \'it\'\'s\'\n  username: "a\\"b"\n',
    'listen: true # on:the:network\n',
    'whitelist:\n- 127.0.0.1\n- ::1\nhostWhitelist:\n  hosts:\n    - a.local\n',
    'listenAddress:\n  ipv6: "::"\n'
  ]
  for (const source of valid) t.doesNotThrow(() => parseYamlFile(source, 'c.yaml'), JSON.stringify(source))
})

t.test('a syntax error with no usual mistake before it shows the line the parser names, or the last one with text', async (t) => {
  t.throws(() => parseYamlFile('port: [1, 2\n\n', 'c.yaml'), { message: /^c\.yaml:3:1: YAML syntax error: [^\n]+\.\n {2}1 \| port: \[1, 2$/ })
  t.throws(() => parseYamlFile('a: b: c\n', 'c.yaml'), { message: /^c\.yaml:1:5: YAML syntax error: [^\n]+\.\n {2}1 \| a: b: c$/ })
  t.throws(() => parseYamlFile('\n\n---\n---\n', 'c.yaml'), { message: /^c\.yaml:1:1: YAML syntax error: the file holds more than one YAML document \(---\)\.$/ }, 'no excerpt of a blank line')
})
