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
