import t from 'tap'
import { describeItem, describeSource } from '../../src/config/value-source.js'
import type { ValueSource } from '../../src/config/value-source.js'

t.test('a value\'s source, and a list entry\'s, in words', async (t) => {
  const cases: Array<[ValueSource, string, string]> = [
    [{ kind: 'default', file: '/pkg/default/config.yaml', line: 33, items: [34, 35] }, 'the default', 'the default whitelist entry 2'],
    [{ kind: 'file', file: '/srv/config.yaml', line: 12, items: [13, 15] }, '/srv/config.yaml:12', '/srv/config.yaml:15 whitelist entry 2'],
    [{ kind: 'file', file: '/srv/config.yaml', line: 12 }, '/srv/config.yaml:12', '/srv/config.yaml:12 whitelist entry 2'],
    [{ kind: 'env', name: 'TAVERN_WHITELIST' }, 'environment variable TAVERN_WHITELIST', 'environment variable TAVERN_WHITELIST, whitelist entry 2'],
    [{ kind: 'flag', flag: '--no-whitelist' }, '--no-whitelist on the command line', '--no-whitelist on the command line, whitelist entry 2']
  ]
  for (const [source, words, item] of cases) {
    t.equal(describeSource(source), words, words)
    t.equal(describeItem(source, 'whitelist', 1), item, item)
  }
})
