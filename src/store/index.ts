export { FileResultStore } from './file-store';
export { latestOutcomes, type ResultStore, type StoredOutcome } from './types';
