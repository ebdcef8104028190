/**
 * Prints the plain closing line CI reads ("tests: N passed, N failed"), after jest's own summary.
 * A suite that could not run at all (syntax error, failing beforeAll) counts as one failure.
 */
class SummaryReporter {
	onRunComplete(_contexts, results) {
		const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
		const skipped = results.numPendingTests + results.numTodoTests;
		let line = `tests: ${results.numPassedTests} passed, ${failed} failed`;
		if (skipped) line += `, ${skipped} skipped`;
		process.stdout.write(`\n${line}\n`);
	}
}
module.exports = SummaryReporter;
