const fs = require('node:fs');

/**
 * Ends every run with one plain line on standard output, "N passed, N failed,
 * N skipped", that tools reading only the last lines of a run understand
 * without knowing jest's own summary format (which jest writes to standard
 * error). It is written as the process exits because jest prints its own
 * summary after every reporter's onRunComplete.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    process.once('exit', () => fs.writeSync(1, line));
  }
}

module.exports = SummaryReporter;
