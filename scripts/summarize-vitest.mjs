// Prints vitest's JSON report as the single line CI reads: "N passed, N failed[, N skipped]".
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const line = `${report.numPassedTests} passed, ${report.numFailedTests} failed`;
console.log(skipped > 0 ? `${line}, ${skipped} skipped` : line);
