// The plain closing line of .ci/run, counting every run of the test suite: "N passed, N failed, N skipped", after one
// line per run. Arguments: NAME=FILE, vitest's JSON results of each run. A run that left no results (it crashed) or
// failed outside any test (a file that did not load) counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const run of process.argv.slice(2)) {
  const [name, file] = run.split('=');
  if (!existsSync(file)) {
    console.log(`${name}: no results`);
    failed += 1;
    continue;
  }
  const results = JSON.parse(readFileSync(file, 'utf8'));
  const runFailed = results.numFailedTests > 0 ? results.numFailedTests : results.success ? 0 : 1;
  const runSkipped = results.numPendingTests + results.numTodoTests;
  console.log(`${name}: ${results.numPassedTests} passed, ${runFailed} failed, ${runSkipped} skipped`);
  passed += results.numPassedTests;
  failed += runFailed;
  skipped += runSkipped;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
