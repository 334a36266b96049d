import { startEmulator } from '../../src/emulator';
startEmulator({ port: Number(process.env.PORT), faults: { validatingMs: 0, processingMs: 200, finalizingMs: 0 } }).then((e) => console.log('emulator', e.url));
