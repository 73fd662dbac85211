// `node server.js [flags]` from a checkout, as with SillyTavern.
import { main } from './dist/cli/main.js'

await main()
