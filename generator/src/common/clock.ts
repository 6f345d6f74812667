// How far ahead of this machine's clock a time written by another machine (a node check's result, a report's
// `updated`) may lie and still be trusted: clocks of an edge site drift; a time further ahead is a wrong clock or
// a forged ConfigMap, and says nothing of when the work was done.
export const FUTURE_SKEW_MS = 5 * 60_000;
