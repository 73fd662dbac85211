import t from 'tap'
import { hashPassword, looksHashed, parseHash, sameText, verifyHash } from '../../src/access/password-hash.js'

t.test('a hash verifies its password and nothing else', async (t) => {
  const hash = await hashPassword('pässwörd', 10)
  t.match(hash, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
  const parsed = parseHash(hash)!
  t.ok(await verifyHash('pässwörd', parsed))
  t.ok(await verifyHash('pa\u0308sswo\u0308rd', parsed), 'the same text in another Unicode form')
  t.notOk(await verifyHash('passwort', parsed))
  t.not(await hashPassword('pässwörd', 10), hash, 'a fresh salt every time')
})

t.test('only well-formed scrypt strings are hashes', async (t) => {
  t.ok(looksHashed('$scrypt$whatever'))
  t.notOk(looksHashed('hunter2'))
  for (const bad of [
    '$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA', // salt and hash too short
    '$scrypt$ln=9,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    '$scrypt$ln=21,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    '$scrypt$ln=15,r=0,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    '$scrypt$ln=15,r=33,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    '$scrypt$ln=15,r=8,p=0$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    '$scrypt$ln=15,r=8,p=17$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    '$scrypt$ln=15,r=8$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA',
    '$scrypt$ln=15,r=8,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA'
  ]) t.equal(parseHash(bad), undefined, bad)
  t.ok(parseHash('$scrypt$ln=15,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA'))
})

t.test('compares texts in constant time, whatever their lengths', async (t) => {
  t.ok(sameText('abc', 'abc'))
  t.notOk(sameText('abc', 'abd'))
  t.notOk(sameText('abc', 'abcd'))
  t.ok(sameText('', ''))
})
