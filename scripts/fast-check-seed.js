// Preloaded into every test process by scripts/run-tests.js. Property tests draw random inputs; on CI
// (CI=true) they use one fixed seed so that a submission's result does not depend on luck, while local runs
// keep exploring new seeds. FC_SEED=<n> reproduces a run; a failing property prints its seed.
import fc from 'fast-check'

const fixed = process.env.CI === 'true' ? 20261125 : undefined
const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : fixed
if (seed !== undefined && Number.isInteger(seed)) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed })
