/**
 * Every test's teardowns run before tap removes its t.testdir() folder.
 *
 * tap chains a test's end-of-test work in the order its plugins first hook it: when t.testdir()
 * came before the first t.teardown(), as in most tests (a folder, then a server started in it),
 * the folder was removed first and the teardowns that stop the servers ran after, while a server
 * could still write into the folder on its way out (rimraf failed with ENOTEMPTY, and the
 * teardowns after the failure never ran). A teardown registered at the start of every test
 * hooks the end first, so the teardowns come first and the removal last.
 */
import t from 'tap'

t.beforeEach((t) => { t.teardown(() => {}) })
