#!/usr/bin/env node
// The agentws command. The CLI lives in dist/ (built from src/cli by `npm run build`).
import('../dist/cli/main.js').then(
  ({ main }) => main(),
  (error) => {
    console.error(`agentws: cannot start: ${error.message}\nIf you are working on agentws itself, run: npm run build`);
    process.exitCode = 1;
  },
);
