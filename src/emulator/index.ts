/** Public entry of the offline provider emulator (`durabatch emulator`). */
export { startEmulator, buildApp, type Emulator, type EmulatorOptions } from './server';
export {
  BatchEngine,
  DEFAULT_FAULTS,
  type EmulatedBatch,
  type EmulatedItem,
  type EmulatedItemResult,
  type EmulatedProvider,
  type EnginePhase,
  type FaultConfig,
  type FaultKind,
  type ItemFaultRule,
} from './engine';
export { answerFor } from './responder';
export { startChildEmulator, type ChildEmulator, type ChildEmulatorOptions } from './child';
