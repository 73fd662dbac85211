import t from 'tap'
import { folderProblem, slugProblem } from '../../src/accounts/handle.js'

t.test('handles made here are slugs of at most 64 characters', async (t) => {
  const table: Array<[string, RegExp | undefined]> = [
    ['alice', undefined],
    ['a', undefined],
    ['bob-2', undefined],
    ['x'.repeat(64), undefined],
    ['x'.repeat(65), /longer than 64/],
    ['', /empty/],
    ['Alice', /a-z, 0-9 and -/],
    ['-alice', /starting and ending/],
    ['alice-', /starting and ending/],
    ['../x', /a-z, 0-9 and -/],
    ['a/b', /a-z, 0-9 and -/],
    ['jürgen', /a-z, 0-9 and -/],
    ['a b', /a-z, 0-9 and -/],
    ['a.b', /a-z, 0-9 and -/]
  ]
  for (const [handle, problem] of table) {
    if (problem === undefined) t.equal(slugProblem(handle), undefined, handle)
    else t.match(slugProblem(handle), problem, JSON.stringify(handle))
  }
})

t.test('imported handles keep their spelling when they are safe as a folder name', async (t) => {
  const table: Array<[string, RegExp | undefined]> = [
    ['jürgen', undefined],
    ['日本語', undefined],
    ['default-user', undefined],
    ['Mixed Case', undefined],
    ['', /empty/],
    ['x'.repeat(65), /longer than 64/],
    ['ü'.repeat(64), undefined],
    ['..', /starts with \./],
    ['.hidden', /starts with \./],
    ['_storage', /starts with \. or _/],
    ['../x', /path separator/],
    ['a\\b', /path separator/],
    ['a\u0000b', /control character/],
    ['a:b', /path separator/],
    ['name.', /ends with a dot/],
    [' name', /space/],
    ['name ', /space/],
    ['CON', /Windows reserves/],
    ['lpt1.txt', /Windows reserves/],
    ['accounts.json', /tavern-server's own files/],
    ['Sessions.JSON', /tavern-server's own files/],
    ['ju\u0308rgen', /normal form C/]
  ]
  for (const [handle, problem] of table) {
    if (problem === undefined) t.equal(folderProblem(handle), undefined, handle)
    else t.match(folderProblem(handle), problem, JSON.stringify(handle))
  }
})
