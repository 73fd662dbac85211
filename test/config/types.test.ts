import t from 'tap'
import * as types from '../../src/config/types.js'

t.test('value types accept what users write and reject the rest', async (t) => {
  const table: Array<[string, types.ValueType<unknown>, unknown, unknown]> = [
    ['boolean true', types.boolean, true, true],
    ['boolean yes', types.boolean, 'yes', true],
    ['boolean OFF', types.boolean, 'OFF', false],
    ['boolean 1', types.boolean, 1, true],
    ['boolean "0"', types.boolean, '0', false],
    ['boolean maybe', types.boolean, 'maybe', undefined],
    ['boolean 2', types.boolean, 2, undefined],
    ['port 8000', types.port, 8000, 8000],
    ['port "8000"', types.port, '8000', 8000],
    ['port 0', types.port, 0, 0],
    ['port 70000', types.port, 70000, undefined],
    ['port abc', types.port, 'abc', undefined],
    ['port 80.5', types.port, 80.5, undefined],
    ['port 8000abc', types.port, '8000abc', undefined],
    ['protocol auto', types.protocol, 'auto', 'auto'],
    ['protocol AUTO', types.protocol, 'AUTO', 'auto'],
    ['protocol false', types.protocol, false, false],
    ['protocol maybe', types.protocol, 'maybe', undefined],
    ['text number', types.text, 1234, '1234'],
    ['text boolean', types.text, true, 'true'],
    ['text list', types.text, ['a'], undefined],
    ['list', types.textList, ['a', ' b '], ['a', 'b']],
    ['list null', types.textList, null, []],
    ['list of numbers', types.textList, [1], ['1']],
    ['list of lists', types.textList, [['a']], undefined],
    ['list 5', types.textList, 5, undefined],
    ['ipv4', types.ipv4Address, '192.168.1.20', '192.168.1.20'],
    ['ipv4 bad', types.ipv4Address, '999.1.1.1', undefined],
    ['ipv4 v6', types.ipv4Address, '::', undefined],
    ['ipv6 brackets', types.ipv6Address, '[::1]', '::1'],
    ['ipv6 bare', types.ipv6Address, 'fd00::5', 'fd00::5'],
    ['ipv6 bad', types.ipv6Address, '[::g]', undefined],
    ['ipv6 number', types.ipv6Address, 6, undefined],
    ['log level name', types.logLevel, 'WARN', 'warn'],
    ['log level SillyTavern number', types.logLevel, 0, 'debug'],
    ['log level number text', types.logLevel, '3', 'error'],
    ['log level too high', types.logLevel, 7, undefined],
    ['log level verbose', types.logLevel, 'verbose', undefined],
    ['url', types.upstreamUrl, 'http://127.0.0.1:8001', 'http://127.0.0.1:8001'],
    ['url with a slash', types.upstreamUrl, ' http://127.0.0.1:8001/ ', 'http://127.0.0.1:8001'],
    ['url https default port', types.upstreamUrl, 'https://App.example:443', 'https://app.example'],
    ['url IPv6', types.upstreamUrl, 'http://[::1]:8001', 'http://[::1]:8001'],
    ['url empty', types.upstreamUrl, '', ''],
    ['url null', types.upstreamUrl, null, ''],
    ['url ftp', types.upstreamUrl, 'ftp://x', undefined],
    ['url ws', types.upstreamUrl, 'ws://127.0.0.1:8001', undefined],
    ['url junk', types.upstreamUrl, 'not a url', undefined],
    ['url number', types.upstreamUrl, 5, undefined],
    ['url with a path', types.upstreamUrl, 'http://127.0.0.1:8001/app', undefined],
    ['url with a query', types.upstreamUrl, 'http://127.0.0.1:8001/?a=1', undefined],
    ['url with a user', types.upstreamUrl, 'http://me:pw@127.0.0.1:8001', undefined],
    ['url with a fragment', types.upstreamUrl, 'http://127.0.0.1:8001/#x', undefined],
    ['header name', types.headerName, 'Remote-User', 'Remote-User'],
    ['header name empty', types.headerName, '', ''],
    ['header name null', types.headerName, null, ''],
    ['header name with a space', types.headerName, 'Remote User', undefined],
    ['header name with a colon', types.headerName, 'X-User:', undefined],
    ['header name number', types.headerName, 5, undefined],
    ['path', types.path(false), './data', './data'],
    ['path empty', types.path(false), '', undefined],
    ['optional path empty', types.path(true), null, ''],
    ['optional path', types.path(true), ' ./public ', './public']
  ]
  for (const [name, type, input, expected] of table) t.same(type.check(input), expected, name)
})

t.test('lists from text are JSON arrays or comma-separated', async (t) => {
  t.same(types.textList.check(types.textList.fromText('["10.0.0.0/8", "::1"]')), ['10.0.0.0/8', '::1'])
  t.same(types.textList.check(types.textList.fromText('10.0.0.0/8, 192.168.0.0/16')), ['10.0.0.0/8', '192.168.0.0/16'])
  t.same(types.textList.check(types.textList.fromText('')), [])
  t.equal(types.textList.check(types.textList.fromText('[not json')), undefined)
})
